#include "edgevl_apps/progress_bar.h"

#include <unistd.h>

#include <cstdio>

namespace edgevl::apps {

ProgressBar::ProgressBar() : tty_(isatty(STDERR_FILENO) != 0), start_(std::chrono::steady_clock::now()) {}

double ProgressBar::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressBar::print_finished() {
  if (stage_.empty() || finished_printed_) return;
  std::fprintf(stderr, "%-14s done (%zu/%zu) %6.1fs\n", stage_.c_str(), done_, total_, seconds());
  std::fflush(stderr);
  finished_printed_ = true;
}

void ProgressBar::update(const std::string& stage, size_t done, size_t total) {
  if (stage != stage_) {
    if (tty_ && line_open_) std::fputc('\n', stderr);
    if (!tty_) print_finished();
    stage_ = stage;
    finished_printed_ = false;
  }
  done_ = done;
  total_ = total;
  if (!tty_) {  // logs and CI: one line per finished stage
    if (done >= total) print_finished();
    return;
  }
  const int percent = total > 0 ? static_cast<int>(100.0 * static_cast<double>(done) / static_cast<double>(total)) : 100;
  constexpr int kWidth = 30;
  const int filled = percent * kWidth / 100;
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(kWidth - filled), '.');
  std::fprintf(stderr, "\r%-14s [%s] %3d%% (%zu/%zu) %6.1fs", stage.c_str(), bar.c_str(), percent, done, total,
               seconds());
  line_open_ = true;
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (tty_ && line_open_) std::fputc('\n', stderr);
  if (!tty_) print_finished();
  line_open_ = false;
  std::fflush(stderr);
}

}  // namespace edgevl::apps
