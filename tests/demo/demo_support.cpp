#include "demo_support.h"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>

namespace edgevl::demo_test {
namespace fs = std::filesystem;
namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

}  // namespace

std::string source_dir() { return EDGEVL_SOURCE_DIR; }
std::string python() { return EDGEVL_PYTHON_EXE; }

std::string work_dir(const std::string& name) {
  const fs::path p = fs::path(EDGEVL_DEMO_WORK_DIR) / name;
  fs::create_directories(p);
  return p.string();
}

std::string model_dir() {
  return env_or("EDGEVL_DEMO_MODEL_DIR", (fs::path(source_dir()) / "models" / "demo" / "qwen2vl-shapes").string());
}
std::string samples_dir() { return (fs::path(source_dir()) / "models" / "demo" / "samples").string(); }

std::string reference_dir() {
  return env_or("EDGEVL_DEMO_REFERENCE_DIR", (fs::path(source_dir()) / "models" / "demo" / "reference").string());
}

std::string accuracy_json_path() {
  return env_or("EDGEVL_DEMO_ACCURACY_JSON",
                (fs::path(source_dir()) / "models" / "demo" / "eval_accuracy.json").string());
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("json " + path + ": cannot open");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error("json " + path + ": " + e.what());
  }
}

CommandResult run_command(const std::string& command) {
  CommandResult r;
  std::FILE* p = ::popen(command.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

EvalSet generate_eval_set(const std::string& name) {
  EvalSet set;
  set.dir = work_dir(name);
  fs::remove_all(set.dir);
  fs::create_directories(set.dir);
  const std::string cmd = python() + " " + source_dir() + "/models/demo/eval_set.py " + set.dir;
  const CommandResult r = run_command(cmd);
  if (r.status != 0) {
    set.error = "eval set generation failed (" + cmd + "): " + r.out;
    return set;
  }
  std::smatch m;
  if (std::regex_search(r.out, m, std::regex("sha256 ([0-9a-f]{64})"))) set.sha256 = m[1];
  std::ifstream in(set.dir + "/questions.jsonl");
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line);
    set.questions.push_back({j["id"], j["image"], j["type"], j["question"], j["answer"], j["wording"],
                             j.value("same_row", false)});
  }
  std::ifstream convs(set.dir + "/conversations.jsonl");
  for (std::string line; std::getline(convs, line);) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line);
    EvalConversation c{j["id"], j["kind"], j["images"].get<std::vector<std::string>>(), {}};
    for (const auto& t : j["turns"])
      c.turns.push_back({t["image"].is_null() ? -1 : t["image"].get<int>(), t["type"], t["question"], t["answer"],
                         t["wording"]});
    set.conversations.push_back(std::move(c));
  }
  if (set.questions.empty()) set.error = "eval set " + set.dir + " has no question";
  if (set.conversations.empty()) set.error = "eval set " + set.dir + " has no conversation";
  return set;
}

std::string generate_calibration_set(const std::string& name, std::string* error, int64_t seed) {
  const std::string dir = work_dir(name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string cmd = python() + " " + source_dir() + "/models/demo/calibration_set.py " + dir +
                          (seed ? " --seed " + std::to_string(seed) : std::string());
  const CommandResult r = run_command(cmd);
  if (r.status != 0) {
    if (error) *error = "calibration set generation failed (" + cmd + "): " + r.out;
    return "";
  }
  return dir + "/calibration.jsonl";
}

}  // namespace edgevl::demo_test
