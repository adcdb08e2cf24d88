// Cron expressions: next fire times in UTC, the day-of-month/day-of-week OR
// rule, macros, and refusals that name the field.
#include "services/cron.hpp"

#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "core/errors.hpp"

namespace churnwatch {
namespace {

using services::CronExpression;
using namespace std::chrono;

// "2026-11-28 08:15" UTC -> time_point.
system_clock::time_point at(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s};
}

std::string next(const std::string& expr, system_clock::time_point after) {
  auto t = CronExpression::parse(expr).next_after(after);
  return t ? core::to_iso8601(*t) : "never";
}

std::vector<std::string> next_n(const std::string& expr, system_clock::time_point after, int n) {
  const auto cron = CronExpression::parse(expr);
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    after = *cron.next_after(after);
    out.push_back(core::to_iso8601(after));
  }
  return out;
}

std::string error_of(const std::string& expr) {
  try {
    CronExpression::parse(expr);
  } catch (const core::Invalid& e) {
    EXPECT_EQ(e.errors().size(), 1u);
    if (!e.errors().empty()) {
      EXPECT_EQ(e.errors()[0].field, "cron");
    }
    return e.what();
  }
  return "accepted";
}

TEST(Cron, Macros) {
  const auto now = at(2026, 11, 28, 8, 15, 30);  // a Saturday
  EXPECT_EQ(next("@hourly", now), "2026-11-28T09:00:00.000Z");
  EXPECT_EQ(next("@daily", now), "2026-11-29T00:00:00.000Z");
  EXPECT_EQ(next("@midnight", now), "2026-11-29T00:00:00.000Z");
  EXPECT_EQ(next("@weekly", now), "2026-11-29T00:00:00.000Z");  // next Sunday
  EXPECT_EQ(next("@monthly", now), "2026-12-01T00:00:00.000Z");
  EXPECT_EQ(next("@yearly", now), "2027-01-01T00:00:00.000Z");
  EXPECT_EQ(next("@annually", now), "2027-01-01T00:00:00.000Z");
  EXPECT_EQ(next("  @HOURLY ", now), "2026-11-28T09:00:00.000Z");
}

TEST(Cron, NextIsStrictlyAfterAndDropsSeconds) {
  EXPECT_EQ(next("0 * * * *", at(2026, 11, 28, 9, 0, 0)), "2026-11-28T10:00:00.000Z");
  EXPECT_EQ(next("0 * * * *", at(2026, 11, 28, 8, 59, 59)), "2026-11-28T09:00:00.000Z");
  EXPECT_EQ(next("* * * * *", at(2026, 11, 28, 8, 15, 1)), "2026-11-28T08:16:00.000Z");
}

TEST(Cron, ListsRangesAndSteps) {
  const auto now = at(2026, 11, 28, 8, 0);
  EXPECT_EQ(next_n("*/15 * * * *", now, 4),
            (std::vector<std::string>{"2026-11-28T08:15:00.000Z", "2026-11-28T08:30:00.000Z",
                                      "2026-11-28T08:45:00.000Z", "2026-11-28T09:00:00.000Z"}));
  EXPECT_EQ(next_n("5,35 9-10 * * *", now, 5),
            (std::vector<std::string>{"2026-11-28T09:05:00.000Z", "2026-11-28T09:35:00.000Z",
                                      "2026-11-28T10:05:00.000Z", "2026-11-28T10:35:00.000Z",
                                      "2026-11-29T09:05:00.000Z"}));
  EXPECT_EQ(next_n("0 8-18/4 * * *", now, 4),
            (std::vector<std::string>{"2026-11-28T12:00:00.000Z", "2026-11-28T16:00:00.000Z",
                                      "2026-11-29T08:00:00.000Z", "2026-11-29T12:00:00.000Z"}));
  // a/n: from a to the field's maximum.
  EXPECT_EQ(next_n("50/5 23 * * *", now, 3),
            (std::vector<std::string>{"2026-11-28T23:50:00.000Z", "2026-11-28T23:55:00.000Z",
                                      "2026-11-29T23:50:00.000Z"}));
}

TEST(Cron, MonthsAndYearBoundaries) {
  EXPECT_EQ(next("0 0 1 jan *", at(2026, 11, 28)), "2027-01-01T00:00:00.000Z");
  EXPECT_EQ(next("30 12 31 * *", at(2026, 11, 28)), "2026-12-31T12:30:00.000Z");
  EXPECT_EQ(next("30 12 31 * *", at(2027, 1, 31, 13)), "2027-03-31T12:30:00.000Z");  // skips February
  EXPECT_EQ(next("0 0 29 2 *", at(2026, 11, 28)), "2028-02-29T00:00:00.000Z");       // next leap year
  EXPECT_EQ(next("0 6 * JUN-aug *", at(2026, 11, 28)), "2027-06-01T06:00:00.000Z");
}

TEST(Cron, DayOfWeekAloneAndSundayAsSeven) {
  // 2026-11-28 is a Saturday.
  EXPECT_EQ(next("0 9 * * mon-fri", at(2026, 11, 28)), "2026-11-30T09:00:00.000Z");
  EXPECT_EQ(next("0 9 * * 7", at(2026, 11, 28)), "2026-11-29T09:00:00.000Z");
  EXPECT_EQ(next("0 9 * * 0", at(2026, 11, 28)), "2026-11-29T09:00:00.000Z");
  EXPECT_EQ(next("0 9 * * sat", at(2026, 11, 28, 10)), "2026-12-05T09:00:00.000Z");
}

TEST(Cron, RestrictedDayOfMonthAndDayOfWeekMatchEither) {
  // The 1st and 15th of the month, and every Monday: an OR, as in cron.
  EXPECT_EQ(next_n("0 0 1,15 * mon", at(2026, 11, 28), 5),
            (std::vector<std::string>{"2026-11-30T00:00:00.000Z", "2026-12-01T00:00:00.000Z",
                                      "2026-12-07T00:00:00.000Z", "2026-12-14T00:00:00.000Z",
                                      "2026-12-15T00:00:00.000Z"}));
  // With day-of-week '*', only the day of month counts.
  EXPECT_EQ(next("0 0 15 * *", at(2026, 11, 28)), "2026-12-15T00:00:00.000Z");
  // A day-of-week starting with '*' counts as unrestricted: AND with the day of month.
  EXPECT_EQ(next("0 0 13 * */1", at(2026, 11, 28)), "2026-12-13T00:00:00.000Z");
}

TEST(Cron, MatchesTheMinute) {
  const auto cron = CronExpression::parse("30 8 * * *");
  EXPECT_TRUE(cron.matches(at(2026, 11, 28, 8, 30, 59)));
  EXPECT_FALSE(cron.matches(at(2026, 11, 28, 8, 31)));
}

TEST(Cron, InvalidExpressionsNameTheField) {
  EXPECT_NE(error_of("61 * * * *").find("minute: 61 is outside 0-59"), std::string::npos)
      << error_of("61 * * * *");
  EXPECT_NE(error_of("0 24 * * *").find("hour: 24 is outside 0-23"), std::string::npos);
  EXPECT_NE(error_of("0 0 0 * *").find("day-of-month: 0 is outside 1-31"), std::string::npos);
  EXPECT_NE(error_of("0 0 * 13 *").find("month: 13 is outside 1-12"), std::string::npos);
  EXPECT_NE(error_of("0 0 * * 8").find("day-of-week: 8 is outside 0-7"), std::string::npos);
  EXPECT_NE(error_of("0 0 * * funday").find("day-of-week: 'funday' is not a number or a name"),
            std::string::npos);
  EXPECT_NE(error_of("*/0 * * * *").find("minute: step '0'"), std::string::npos);
  EXPECT_NE(error_of("0 5-2 * * *").find("hour: range '5-2' runs backwards"), std::string::npos);
  EXPECT_NE(error_of("0,,5 * * * *").find("minute: empty item"), std::string::npos);
  EXPECT_NE(error_of("0 * * *").find("expected 5 fields"), std::string::npos);
  EXPECT_NE(error_of("0 * * * * *").find("got 6"), std::string::npos);
  EXPECT_NE(error_of("").find("expected 5 fields"), std::string::npos);
  EXPECT_NE(error_of("@often").find("unknown macro '@often'"), std::string::npos);
  EXPECT_NE(error_of("0 0 30 2 *").find("day-of-month: '30' never occurs"), std::string::npos);
  EXPECT_NE(error_of("1.5 * * * *").find("minute: '1.5' is not a number"), std::string::npos);
  EXPECT_NE(error_of("-1 * * * *").find("minute:"), std::string::npos);
}

TEST(Cron, KeepsTheTextAsWritten) { EXPECT_EQ(CronExpression::parse("@hourly").text(), "@hourly"); }

}  // namespace
}  // namespace churnwatch
