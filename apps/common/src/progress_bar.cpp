#include "edgevl_apps/progress_bar.h"

#include <unistd.h>

#include <cstdio>

namespace edgevl::apps {

ProgressBar::ProgressBar() : tty_(isatty(STDERR_FILENO) != 0), start_(std::chrono::steady_clock::now()) {}

void ProgressBar::update(const std::string& stage, size_t done, size_t total) {
  const int percent = total > 0 ? static_cast<int>(100.0 * static_cast<double>(done) / static_cast<double>(total)) : 100;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (stage != stage_) {
    if (line_open_) std::fputc('\n', stderr);
    stage_ = stage;
    last_percent_ = -1;
  }
  // Without a terminal, print at the start, every 25% and the end of a stage.
  if (!tty_ && percent == last_percent_) return;
  if (!tty_ && last_percent_ >= 0 && percent < 100 && percent / 25 == last_percent_ / 25) return;
  last_percent_ = percent;
  constexpr int kWidth = 30;
  const int filled = percent * kWidth / 100;
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(kWidth - filled), '.');
  std::fprintf(stderr, "%s%-14s [%s] %3d%% (%zu/%zu) %6.1fs%s", tty_ ? "\r" : "", stage.c_str(), bar.c_str(), percent,
               done, total, secs, tty_ ? "" : "\n");
  line_open_ = tty_;
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (line_open_) std::fputc('\n', stderr);
  line_open_ = false;
  std::fflush(stderr);
}

}  // namespace edgevl::apps
