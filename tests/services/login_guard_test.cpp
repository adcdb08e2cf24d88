// Sign-in lockout: the threshold, the doubling delays and their cap, success
// resetting the account, and the address lock across accounts.
#include "services/login_guard.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"

namespace churnwatch::services {
namespace {

struct FakeClock {
  double now = 5000;
  MonotonicClock fn() {
    return [this] { return now; };
  }
};

int retry_after(LoginGuard &guard, std::string_view user, std::string_view ip) {
  try {
    guard.check(user, ip);
  } catch (const core::RateLimited &e) {
    return e.retry_after;
  }
  return 0;
}

TEST(LoginGuardTest, FifthFailureLocksTheAccountForAMinuteThenDoubles) {
  FakeClock clock;
  LoginGuard guard({}, clock.fn());
  for (int i = 0; i < 4; ++i) {
    guard.record_failure("alice", "10.0.0.1");
    EXPECT_EQ(retry_after(guard, "alice", "10.0.0.1"), 0) << i;
  }
  guard.record_failure("alice", "10.0.0.1");
  EXPECT_EQ(retry_after(guard, "alice", "10.0.0.1"), 60);
  // The account is locked from any address, case-insensitively.
  EXPECT_EQ(retry_after(guard, "ALICE", "10.9.9.9"), 60);
  EXPECT_EQ(retry_after(guard, "bob", "10.0.0.1"), 0);

  clock.now += 61;
  EXPECT_EQ(retry_after(guard, "alice", "10.0.0.1"), 0);
  for (int i = 0; i < 5; ++i) guard.record_failure("alice", "10.0.0.2");
  EXPECT_EQ(retry_after(guard, "alice", "10.0.0.2"), 120);
  clock.now += 121;
  for (int i = 0; i < 5; ++i) guard.record_failure("alice", "10.0.0.3");
  EXPECT_EQ(retry_after(guard, "alice", "10.0.0.3"), 240);
}

TEST(LoginGuardTest, LockGrowthStopsAtTheCap) {
  FakeClock clock;
  LoginGuard guard({.account_failures = 1, .first_lock_seconds = 60, .max_lock_seconds = 3600}, clock.fn());
  int last = 0;
  for (int i = 0; i < 10; ++i) {
    guard.record_failure("carol", "10.0.0." + std::to_string(i));
    last = retry_after(guard, "carol", "x");
    clock.now += last + 1;
  }
  EXPECT_EQ(last, 3600);
}

TEST(LoginGuardTest, FailuresOutsideTheWindowDoNotCount) {
  FakeClock clock;
  LoginGuard guard({}, clock.fn());
  for (int i = 0; i < 4; ++i) guard.record_failure("dave", "10.0.0.1");
  clock.now += 901;
  guard.record_failure("dave", "10.0.0.1");
  EXPECT_EQ(retry_after(guard, "dave", "10.0.0.1"), 0);
}

TEST(LoginGuardTest, SuccessResetsTheAccountButNotTheAddress) {
  FakeClock clock;
  LoginGuard guard({.account_failures = 3, .address_failures = 6}, clock.fn());
  guard.record_failure("erin", "10.0.0.1");
  guard.record_failure("erin", "10.0.0.1");
  guard.record_success("erin");
  guard.record_failure("erin", "10.0.0.1");
  guard.record_failure("erin", "10.0.0.1");
  EXPECT_EQ(retry_after(guard, "erin", "10.0.0.1"), 0);
  // Guessing many accounts from one address locks the address for all of them.
  guard.record_failure("frank", "10.0.0.1");
  guard.record_failure("grace", "10.0.0.1");
  EXPECT_EQ(retry_after(guard, "anyone", "10.0.0.1"), 60);
  EXPECT_EQ(retry_after(guard, "anyone", "10.0.0.2"), 0);
}

}  // namespace
}  // namespace churnwatch::services
