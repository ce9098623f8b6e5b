// Runs a command line in a shell and captures its exit status, stdout and stderr (for the CLI tests).
#pragma once

#include <string>

namespace edgevl::test {

struct CliResult {
  bool exited = false;   ///< false when the program died of a signal (a crash)
  int exit_code = -1;    ///< valid when exited
  int signal = 0;        ///< the signal when !exited
  std::string out, err;
};

/// Runs `command` through /bin/sh (the last program `exec`ed, so its own status is seen), stdin from `stdin_text`.
CliResult run_cli(const std::string& command, const std::string& stdin_text = "");

/// Single-quotes `s` for the shell.
std::string shell_quote(const std::string& s);

}  // namespace edgevl::test
