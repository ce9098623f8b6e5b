#include "cli_runner.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace edgevl::test {
namespace {
std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

CliResult run_cli(const std::string& command, const std::string& stdin_text) {
  namespace fs = std::filesystem;
  std::string tmpl = (fs::temp_directory_path() / "edgevl-cli-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) return {};
  const std::string in = tmpl + "/in", out = tmpl + "/out", err = tmpl + "/err";
  std::ofstream(in, std::ios::binary) << stdin_text;
  const std::string full = "exec " + command + " <" + in + " >" + out + " 2>" + err;
  const int status = std::system(full.c_str());
  CliResult r;
  r.exited = WIFEXITED(status);
  if (r.exited) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  // /bin/sh reports a child killed by a signal as exit code 128 + signal.
  if (r.exited && r.exit_code > 128 && r.exit_code < 160) {
    r.exited = false;
    r.signal = r.exit_code - 128;
  }
  r.out = slurp(out);
  r.err = slurp(err);
  std::error_code ec;
  fs::remove_all(tmpl, ec);
  return r;
}

}  // namespace edgevl::test
