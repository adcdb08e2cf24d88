#include "services/cron.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <vector>

#include "core/errors.hpp"
#include "core/text.hpp"

namespace churnwatch::services {

namespace {

using std::chrono::days;
using std::chrono::floor;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::sys_days;
using std::chrono::system_clock;

constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kDayNames = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

struct FieldSpec {
  std::string_view name;
  unsigned min;
  unsigned max;
  const std::string_view* names;  // names[i] is value min + i; null: numbers only
  std::size_t name_count;
};

constexpr FieldSpec kFields[5] = {
    {"minute", 0, 59, nullptr, 0},
    {"hour", 0, 23, nullptr, 0},
    {"day-of-month", 1, 31, nullptr, 0},
    {"month", 1, 12, kMonthNames.data(), kMonthNames.size()},
    {"day-of-week", 0, 7, kDayNames.data(), kDayNames.size()},
};

// A problem in one field, before the whole expression is known to the message.
struct FieldProblem {
  std::string message;
};


unsigned parse_value(std::string_view text, const FieldSpec& spec) {
  if (text.empty()) throw FieldProblem{"a value is missing"};
  if (spec.names) {
    const std::string name = core::ascii_lower(text);
    for (std::size_t i = 0; i < spec.name_count; ++i)
      if (name == spec.names[i]) return spec.min + static_cast<unsigned>(i);
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size())
    throw FieldProblem{"'" + std::string(text) + "' is not a number" +
                       (spec.names ? std::string(" or a name (") + std::string(spec.names[0]) + ", " +
                                         std::string(spec.names[1]) + ", ...)"
                                   : "")};
  if (value < spec.min || value > spec.max)
    throw FieldProblem{std::to_string(value) + " is outside " + std::to_string(spec.min) + "-" +
                       std::to_string(spec.max)};
  return value;
}

// Bit v set for every value v the field allows.
std::uint64_t parse_field(std::string_view text, const FieldSpec& spec) {
  std::uint64_t bits = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const std::string_view item =
        text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    if (item.empty()) throw FieldProblem{"empty item in the list '" + std::string(text) + "'"};

    std::string_view range = item;
    unsigned step = 1;
    bool has_step = false;
    if (const auto slash = item.find('/'); slash != std::string_view::npos) {
      range = item.substr(0, slash);
      const std::string_view step_text = item.substr(slash + 1);
      const auto [end, ec] = std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
      if (step_text.empty() || ec != std::errc() || end != step_text.data() + step_text.size() || step == 0)
        throw FieldProblem{"step '" + std::string(step_text) + "' in '" + std::string(item) +
                           "' must be a whole number of at least 1"};
      has_step = true;
    }
    unsigned first, last;
    if (range == "*") {
      first = spec.min;
      last = spec.max;
    } else if (const auto dash = range.find('-'); dash != std::string_view::npos) {
      first = parse_value(range.substr(0, dash), spec);
      last = parse_value(range.substr(dash + 1), spec);
      if (first > last)
        throw FieldProblem{"range '" + std::string(range) + "' runs backwards (" + std::to_string(first) +
                           " > " + std::to_string(last) + ")"};
    } else {
      first = parse_value(range, spec);
      last = has_step ? spec.max : first;
    }
    for (unsigned v = first; v <= last; v += step) bits |= std::uint64_t{1} << v;

    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return bits;
}

std::string_view expand_macro(std::string_view text) {
  if (text == "@hourly") return "0 * * * *";
  if (text == "@daily" || text == "@midnight") return "0 0 * * *";
  if (text == "@weekly") return "0 0 * * 0";
  if (text == "@monthly") return "0 0 1 * *";
  if (text == "@yearly" || text == "@annually") return "0 0 1 1 *";
  return {};
}

std::vector<std::string_view> split_fields(std::string_view text) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    const std::size_t begin = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > begin) fields.push_back(text.substr(begin, i - begin));
  }
  return fields;
}

constexpr unsigned kMaxDays[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

}  // namespace

CronExpression CronExpression::parse(std::string_view text, std::string_view field_name) {
  auto fail = [&](const std::string& problem) -> core::Invalid {
    return core::Invalid("invalid cron expression '" + std::string(text) + "': " + problem,
                         {core::FieldError{std::string(field_name), problem, std::nullopt, std::nullopt}});
  };
  std::string_view body = text;
  // Trim, so " @daily " and "0 * * * * " read as meant.
  while (!body.empty() && std::isspace(static_cast<unsigned char>(body.front()))) body.remove_prefix(1);
  while (!body.empty() && std::isspace(static_cast<unsigned char>(body.back()))) body.remove_suffix(1);
  if (!body.empty() && body.front() == '@') {
    const auto expanded = expand_macro(core::ascii_lower(body));
    if (expanded.empty())
      throw fail("unknown macro '" + std::string(body) +
                 "' (use @hourly, @daily, @weekly, @monthly, @yearly or five fields)");
    body = expanded;
  }
  const auto fields = split_fields(body);
  if (fields.size() != 5)
    throw fail(
        "expected 5 fields (minute hour day-of-month month day-of-week) or a macro such as @hourly, got " +
        std::to_string(fields.size()));

  CronExpression cron;
  cron.text_ = std::string(text);
  std::uint64_t bits[5];
  for (int i = 0; i < 5; ++i) {
    try {
      bits[i] = parse_field(fields[i], kFields[i]);
    } catch (const FieldProblem& p) {
      throw fail(std::string(kFields[i].name) + ": " + p.message);
    }
  }
  cron.minutes_ = std::bitset<60>(bits[0]);
  cron.hours_ = std::bitset<24>(bits[1]);
  cron.days_ = std::bitset<32>(bits[2]);
  cron.months_ = std::bitset<13>(bits[3]);
  // 7 is another name for Sunday.
  cron.weekdays_ = std::bitset<7>((bits[4] & 0x7f) | ((bits[4] >> 7) & 1));
  cron.days_restricted_ = fields[2].front() != '*';
  cron.weekdays_restricted_ = fields[4].front() != '*';

  // A day-of-month that no chosen month has would never fire; say so now
  // rather than scheduling nothing, silently.
  if (cron.days_restricted_ && !cron.weekdays_restricted_) {
    bool possible = false;
    for (unsigned m = 1; m <= 12 && !possible; ++m) {
      if (!cron.months_[m]) continue;
      for (unsigned d = 1; d <= kMaxDays[m] && !possible; ++d) possible = cron.days_[d];
    }
    if (!possible)
      throw fail("day-of-month: '" + std::string(fields[2]) + "' never occurs in the chosen months");
  }
  return cron;
}

bool CronExpression::day_matches(unsigned day_of_month, unsigned weekday) const {
  const bool dom = days_[day_of_month];
  const bool dow = weekdays_[weekday];
  if (days_restricted_ && weekdays_restricted_) return dom || dow;
  return dom && dow;  // an unrestricted field has every bit set
}

bool CronExpression::matches(system_clock::time_point t) const {
  const auto day = floor<days>(t);
  const std::chrono::year_month_day ymd{day};
  const auto since_midnight = floor<minutes>(t) - day;
  const auto h = static_cast<unsigned>(floor<hours>(since_midnight).count());
  const auto m = static_cast<unsigned>((since_midnight - floor<hours>(since_midnight)).count());
  return months_[static_cast<unsigned>(ymd.month())] &&
         day_matches(static_cast<unsigned>(ymd.day()), std::chrono::weekday{day}.c_encoding()) && hours_[h] &&
         minutes_[m];
}

std::optional<system_clock::time_point> CronExpression::next_after(system_clock::time_point after) const {
  auto t = floor<minutes>(after) + minutes(1);
  const auto limit = t + days(8 * 366);
  while (t < limit) {
    const auto day = floor<days>(t);
    const std::chrono::year_month_day ymd{day};
    if (!months_[static_cast<unsigned>(ymd.month())]) {
      const auto first = std::chrono::year_month_day{ymd.year(), ymd.month(), std::chrono::day{1}};
      t = sys_days{first + std::chrono::months{1}};
      continue;
    }
    if (!day_matches(static_cast<unsigned>(ymd.day()), std::chrono::weekday{day}.c_encoding())) {
      t = day + days(1);
      continue;
    }
    const auto h = static_cast<unsigned>(floor<hours>(t - day).count());
    if (!hours_[h]) {
      t = day + hours(h + 1);
      continue;
    }
    const auto m = static_cast<unsigned>(floor<minutes>(t - day - hours(h)).count());
    if (!minutes_[m]) {
      t += minutes(1);
      continue;
    }
    return t;
  }
  return std::nullopt;
}

}  // namespace churnwatch::services
