// Sign-in lockout: progressive delays per (account, address) pair that a
// stranger at another address cannot trigger, their doubling and cap,
// success resetting the pair, the hard lock per address across accounts,
// and admins clearing locks.
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

LoginGuard make_guard(FakeClock& clock, LockoutOptions options = {}) {
  return LoginGuard(options, std::make_shared<InProcessLockoutCounters>(clock.fn()));
}

int retry_after(LoginGuard& guard, std::string_view user, std::string_view ip) {
  try {
    guard.check(user, ip);
  } catch (const core::RateLimited& e) {
    return e.retry_after;
  }
  return 0;
}

TEST(LoginGuardTest, FifthFailureSlowsThePairForAMinuteThenDoubles) {
  FakeClock clock;
  auto guard = make_guard(clock);
  for (int i = 0; i < 4; ++i) {
    guard.record_failure("alice", "10.0.0.1");
    EXPECT_EQ(retry_after(guard, "alice", "10.0.0.1"), 0) << i;
  }
  guard.record_failure("alice", "10.0.0.1");
  EXPECT_EQ(retry_after(guard, "alice", "10.0.0.1"), 60);
  EXPECT_EQ(retry_after(guard, "ALICE", "10.0.0.1"), 60);  // case-insensitively
  // Alice at her own address is not locked out by the guesser...
  EXPECT_EQ(retry_after(guard, "alice", "10.9.9.9"), 0);
  // ...nor is anyone else at the guesser's address.
  EXPECT_EQ(retry_after(guard, "bob", "10.0.0.1"), 0);

  clock.now += 61;
  EXPECT_EQ(retry_after(guard, "alice", "10.0.0.1"), 0);
  for (int i = 0; i < 5; ++i) guard.record_failure("alice", "10.0.0.1");
  EXPECT_EQ(retry_after(guard, "alice", "10.0.0.1"), 120);
  clock.now += 121;
  for (int i = 0; i < 5; ++i) guard.record_failure("alice", "10.0.0.1");
  EXPECT_EQ(retry_after(guard, "alice", "10.0.0.1"), 240);
}

TEST(LoginGuardTest, LockGrowthStopsAtTheCap) {
  FakeClock clock;
  auto guard = make_guard(clock, {.pair_failures = 1, .first_lock_seconds = 60, .max_lock_seconds = 3600});
  int last = 0;
  for (int i = 0; i < 10; ++i) {
    guard.record_failure("carol", "10.0.0.1");
    last = retry_after(guard, "carol", "10.0.0.1");
    clock.now += last + 1;
  }
  EXPECT_EQ(last, 3600);
}

TEST(LoginGuardTest, FailuresOutsideTheWindowDoNotCount) {
  FakeClock clock;
  auto guard = make_guard(clock);
  for (int i = 0; i < 4; ++i) guard.record_failure("dave", "10.0.0.1");
  clock.now += 901;
  guard.record_failure("dave", "10.0.0.1");
  EXPECT_EQ(retry_after(guard, "dave", "10.0.0.1"), 0);
}

TEST(LoginGuardTest, SuccessResetsThePairButNotTheAddress) {
  FakeClock clock;
  auto guard = make_guard(clock, {.pair_failures = 3, .address_failures = 6});
  guard.record_failure("erin", "10.0.0.1");
  guard.record_failure("erin", "10.0.0.1");
  guard.record_success("erin", "10.0.0.1");
  guard.record_failure("erin", "10.0.0.1");
  guard.record_failure("erin", "10.0.0.1");
  EXPECT_EQ(retry_after(guard, "erin", "10.0.0.1"), 0);
  // Guessing many accounts from one address locks the address for all of them.
  guard.record_failure("frank", "10.0.0.1");
  guard.record_failure("grace", "10.0.0.1");
  EXPECT_EQ(retry_after(guard, "anyone", "10.0.0.1"), 60);
  EXPECT_EQ(retry_after(guard, "anyone", "10.0.0.2"), 0);
}

TEST(LoginGuardTest, AdminsClearAPairAnAccountOrAnAddress) {
  FakeClock clock;
  auto guard = make_guard(clock, {.pair_failures = 1, .address_failures = 3});
  guard.record_failure("heidi", "10.0.0.1");
  guard.record_failure("heidi", "10.0.0.2");
  guard.record_failure("ivan", "10.0.0.2");
  EXPECT_EQ(guard.clear(std::string("heidi"), std::string("10.0.0.1")), 1);
  EXPECT_EQ(retry_after(guard, "heidi", "10.0.0.1"), 0);
  EXPECT_EQ(retry_after(guard, "heidi", "10.0.0.2"), 60);
  EXPECT_EQ(guard.clear(std::string("HEIDI"), std::nullopt), 1);
  EXPECT_EQ(retry_after(guard, "heidi", "10.0.0.2"), 0);
  EXPECT_EQ(retry_after(guard, "ivan", "10.0.0.2"), 60);

  guard.record_failure("judy", "10.0.0.2");  // the third from 10.0.0.2: the address locks
  EXPECT_EQ(retry_after(guard, "nobody", "10.0.0.2"), 60);
  EXPECT_EQ(guard.clear(std::nullopt, std::string("10.0.0.2")), 1);
  EXPECT_EQ(retry_after(guard, "nobody", "10.0.0.2"), 0);
  EXPECT_THROW(guard.clear(std::nullopt, std::nullopt), core::Invalid);
}

}  // namespace
}  // namespace churnwatch::services
