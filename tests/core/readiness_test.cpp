#include "core/readiness.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace churnwatch {
namespace {

TEST(Readiness, AllPassingIsReadyAndKeepsOrderAndDetails) {
  core::ReadinessChecks checks;
  checks.add("store", true, [] { return "sqlite"; });
  checks.add("cache", false, [] { return ""; });
  const auto report = checks.run();
  EXPECT_TRUE(report.ready);
  ASSERT_EQ(report.checks.size(), 2u);
  EXPECT_EQ(report.checks[0].name, "store");
  EXPECT_EQ(report.checks[0].detail, "sqlite");
  EXPECT_TRUE(report.checks[0].ok);
  EXPECT_EQ(report.checks[1].name, "cache");
  EXPECT_FALSE(report.checks[1].required);
}

TEST(Readiness, AFailingRequiredCheckMakesItNotReadyWithTheReason) {
  core::ReadinessChecks checks;
  checks.add("store", true, []() -> std::string { throw std::runtime_error("connection refused"); });
  const auto report = checks.run();
  EXPECT_FALSE(report.ready);
  EXPECT_FALSE(report.checks[0].ok);
  EXPECT_EQ(report.checks[0].detail, "connection refused");
}

TEST(Readiness, AFailingOptionalCheckIsReportedButStillReady) {
  core::ReadinessChecks checks;
  checks.add("store", true, [] { return "ok"; });
  checks.add("cache", false, []() -> std::string { throw std::runtime_error("redis down"); });
  const auto report = checks.run();
  EXPECT_TRUE(report.ready);
  EXPECT_FALSE(report.checks[1].ok);
  EXPECT_EQ(report.checks[1].detail, "redis down");
}

TEST(Readiness, AddingTheSameNameReplacesAndRemoveDrops) {
  core::ReadinessChecks checks;
  checks.add("queue", true, []() -> std::string { throw std::runtime_error("x"); });
  checks.add("queue", true, [] { return "fixed"; });
  auto report = checks.run();
  ASSERT_EQ(report.checks.size(), 1u);
  EXPECT_TRUE(report.ready);
  checks.remove("queue");
  EXPECT_TRUE(checks.run().checks.empty());
}

}  // namespace
}  // namespace churnwatch
