#include "cli/progress_bar.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace churnwatch::cli {

ProgressBar::ProgressBar(std::string label) : label_(std::move(label)), tty_(::isatty(2) == 1) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(double fraction, std::string_view message) {
  if (!tty_ || finished_) return;
  auto now = std::chrono::steady_clock::now();
  if (fraction < 1.0 && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  constexpr int kWidth = 30;
  fraction = std::clamp(fraction, 0.0, 1.0);
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(filled, '#');
  bar.resize(kWidth, '.');
  std::fprintf(stderr, "\r%s [%s] %3d%% %.*s\033[K", label_.c_str(), bar.c_str(),
               static_cast<int>(fraction * 100), static_cast<int>(std::min<std::size_t>(message.size(), 60)),
               message.data());
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (tty_ && !finished_ && last_ != std::chrono::steady_clock::time_point{}) std::fprintf(stderr, "\n");
  finished_ = true;
}

}  // namespace churnwatch::cli
