#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace churnwatch::core {

// Current UTC time as ISO 8601 with milliseconds ("2026-11-28T04:11:12.345Z").
std::string now_iso8601();
std::string to_iso8601(std::chrono::system_clock::time_point t);
// Seconds since the Unix epoch.
std::int64_t now_unix();
// The time of a UTC timestamp as the store writes and compares them:
// YYYY-MM-DD, optionally followed by THH:MM[:SS[.mmm]]Z. nullopt for any
// other text (or an impossible date).
std::optional<std::chrono::system_clock::time_point> parse_iso8601(std::string_view text);

// The current time's ISO 8601 text, formatted again only when the clock has
// moved to another millisecond: a writer stamping every row of a large
// import formats the time once per millisecond, not once per row.
class Iso8601Stamp {
 public:
  // Moves the stamp to the current time.
  void refresh();
  // The time of the last refresh() as ISO 8601 text.
  const std::string& text() const { return text_; }

 private:
  std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds> ms_{};
  std::string text_;
};

}  // namespace churnwatch::core
