// `qwen2vl-demo --image FILE --prompt TEXT` with no other argument uses the bundled demo model (compiled once into the
// model cache, here a temporary XDG_CACHE_HOME/HOME under the build folder) and answers questions about sample scenes
// correctly: the ground truth comes from models/demo/samples/samples.json.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "cli_runner.h"
#include "demo_support.h"

namespace fs = std::filesystem;
using namespace edgevl::demo_test;
using edgevl::test::run_cli;
using edgevl::test::shell_quote;

namespace {

struct Asked {
  std::string image, question, answer;
};

// The sample's question of `type` with its ground-truth answer.
Asked sample_question(const std::string& image, const std::string& type) {
  const nlohmann::json samples = read_json(samples_dir() + "/samples.json");
  for (const auto& s : samples["samples"]) {
    if (s["image"] != image) continue;
    for (const auto& qa : s["qa"])
      if (qa["type"] == type) return {samples_dir() + "/" + image, qa["question"], qa["answer"]};
  }
  ADD_FAILURE() << "samples.json has no " << type << " question for " << image;
  return {};
}

std::string trimmed(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

class DemoCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    home_ = work_dir("cli-home");
    fs::remove_all(home_);  // a cold cache: the first run compiles the default model
    fs::create_directories(home_);
  }
  static edgevl::test::CliResult ask(const Asked& a) {
    const std::string cmd = "env -u EDGEVL_DEFAULT_MODEL HOME=" + shell_quote(home_) +
                            " XDG_CACHE_HOME=" + shell_quote(home_ + "/cache") + " " + EDGEVL_DEMO_BIN +
                            " --image " + shell_quote(a.image) + " --prompt " + shell_quote(a.question);
    return run_cli(cmd);
  }
  static std::string home_;
};
std::string DemoCli::home_;

TEST_F(DemoCli, DescribesASceneWithTheDefaultModel) {
  const Asked a = sample_question("scene0.jpg", "describe");
  const auto r = ask(a);
  ASSERT_TRUE(r.exited && r.exit_code == 0) << r.err;
  EXPECT_EQ(trimmed(r.out), a.answer) << "stderr: " << r.err;
  // The compile went into the temporary cache, not the user's.
  bool cached = false;
  for (const auto& e : fs::directory_iterator(home_ + "/cache/edgevl")) cached |= e.path().extension() == ".evl";
  EXPECT_TRUE(cached) << "no compiled bundle in " << home_ << "/cache/edgevl; stderr: " << r.err;
}

TEST_F(DemoCli, AnswersPositionColourAndCountQuestions) {
  for (const auto& [image, type] : {std::pair<std::string, std::string>{"scene2.jpg", "where"},
                                    {"scene4.png", "color"},
                                    {"scene3.jpg", "count"}}) {
    const Asked a = sample_question(image, type);
    const auto r = ask(a);
    ASSERT_TRUE(r.exited && r.exit_code == 0) << r.err;
    // The whole answer, not just containing it: "3" would be found in many wrong answers.
    EXPECT_EQ(trimmed(r.out), a.answer) << image << " \"" << a.question << "\"";
  }
}

}  // namespace
