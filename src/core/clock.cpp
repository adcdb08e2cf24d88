#include "core/clock.hpp"

#include <ctime>
#include <fmt/format.h>

namespace churnwatch::core {

std::string to_iso8601(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
}

std::string now_iso8601() { return to_iso8601(std::chrono::system_clock::now()); }

std::int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void Iso8601Stamp::refresh() {
  const auto t = std::chrono::system_clock::now();
  const auto ms = std::chrono::time_point_cast<std::chrono::milliseconds>(t);
  if (ms != ms_ || text_.empty()) {
    ms_ = ms;
    text_ = to_iso8601(t);
  }
}

}  // namespace churnwatch::core
