// A progress bar on standard error, drawn only when it is a terminal.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace churnwatch::cli {

class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  ~ProgressBar();
  // fraction in [0, 1]; redraws at most every 100 ms.
  void update(double fraction, std::string_view message);
  void finish();

 private:
  std::string label_;
  bool tty_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace churnwatch::cli
