// A compile progress bar on stderr: one redrawn line per stage on a terminal; otherwise (logs, CI) one plain line per
// finished stage, "<stage> done (n/n) <seconds since start>s".
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
  /// Ends the current line (without a terminal: prints the last stage's line if it has not finished yet).
  void finish();

 private:
  double seconds() const;
  void print_finished();

  bool tty_;
  std::string stage_;
  size_t done_ = 0, total_ = 0;
  bool finished_printed_ = false;
  bool line_open_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace edgevl::apps
