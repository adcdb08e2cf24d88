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

std::optional<std::chrono::system_clock::time_point> parse_iso8601(std::string_view s) {
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.dddZ";
  // Accepted lengths: the date alone, or a time to minutes, seconds or
  // milliseconds followed by Z.
  if (s.size() != 10 && s.size() != 17 && s.size() != 20 && s.size() != 24) return std::nullopt;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char want = s.size() > 10 && i + 1 == s.size() ? 'Z' : kShape[i];
    if (want == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != want) return std::nullopt;
  }
  auto num = [&](std::size_t at, std::size_t len) {
    int v = 0;
    for (std::size_t i = at; i < at + len; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  using namespace std::chrono;
  const year_month_day date{year{num(0, 4)}, month{static_cast<unsigned>(num(5, 2))},
                            day{static_cast<unsigned>(num(8, 2))}};
  if (!date.ok()) return std::nullopt;
  system_clock::time_point t = sys_days{date};
  if (s.size() == 10) return t;
  const int h = num(11, 2), m = num(14, 2), sec = s.size() >= 20 ? num(17, 2) : 0;
  const int ms = s.size() == 24 ? num(20, 3) : 0;
  if (h > 23 || m > 59 || sec > 60) return std::nullopt;
  return t + hours(h) + minutes(m) + seconds(sec) + milliseconds(ms);
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
