// A compile progress bar on stderr: one redrawn line per stage on a terminal, a few plain lines otherwise (logs, CI).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace edgevl::apps {

class ProgressBar {
 public:
  ProgressBar();
  /// Progress callback shape of edgevl::CompileOptions::progress.
  void update(const std::string& stage, size_t done, size_t total);
  /// Ends the current line.
  void finish();

 private:
  bool tty_;
  std::string stage_;
  int last_percent_ = -1;
  bool line_open_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace edgevl::apps
