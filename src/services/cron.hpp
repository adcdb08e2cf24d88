// Cron expressions, evaluated in UTC: five fields
//
//   minute (0-59)  hour (0-23)  day-of-month (1-31)  month (1-12 or jan-dec)
//   day-of-week (0-7 or sun-sat; 0 and 7 are Sunday)
//
// each `*`, a value, a range `a-b`, a step `*/n`, `a-b/n` or `a/n` (from a to
// the field's maximum), or a comma list of these; or one of the macros
// @hourly, @daily (= @midnight), @weekly, @monthly, @yearly (= @annually).
//
// Days follow Vixie cron: when both day-of-month and day-of-week are
// restricted (neither field starts with `*`), a day matches when EITHER
// matches ("0 0 1 * mon" fires on the 1st and on every Monday); otherwise
// only the restricted one counts.
#pragma once

#include <bitset>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace churnwatch::services {

class CronExpression {
 public:
  // Throws core::Invalid naming the field and the offending part
  // ("day-of-week: 8 is outside 0-7"), with one FieldError whose field is
  // `field_name` (the input's name in the caller's terms, e.g. "cron").
  static CronExpression parse(std::string_view text, std::string_view field_name = "cron");

  // The first matching minute strictly after `after` (seconds dropped).
  // nullopt only when nothing matches within eight years, which parse()
  // already refuses ("0 0 30 2 *").
  std::optional<std::chrono::system_clock::time_point> next_after(
      std::chrono::system_clock::time_point after) const;

  // Whether the minute containing `t` matches.
  bool matches(std::chrono::system_clock::time_point t) const;

  const std::string& text() const { return text_; }

 private:
  bool day_matches(unsigned day_of_month, unsigned weekday) const;

  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1..31
  std::bitset<13> months_;   // 1..12
  std::bitset<7> weekdays_;  // 0 = Sunday
  bool days_restricted_ = false;
  bool weekdays_restricted_ = false;
};

}  // namespace churnwatch::services
