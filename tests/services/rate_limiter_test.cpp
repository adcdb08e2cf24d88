// The in-process token buckets: bursts, refill, Retry-After, independence of
// keys, and forgetting idle keys.
#include "services/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace churnwatch::services {
namespace {

struct FakeClock {
  double now = 1000;
  MonotonicClock fn() {
    return [this] { return now; };
  }
};

TEST(RateLimiterTest, AllowsAFullMinuteBurstThenRefusesWithRetryAfter) {
  FakeClock clock;
  InProcessRateLimiter limiter(clock.fn());
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(limiter.acquire("ip:1.2.3.4", 10).allowed) << i;
  auto refused = limiter.acquire("ip:1.2.3.4", 10);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 6);  // 10/min: one request every 6 s
}

TEST(RateLimiterTest, RefillsAtTheConfiguredRate) {
  FakeClock clock;
  InProcessRateLimiter limiter(clock.fn());
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(limiter.acquire("u", 60).allowed);
  EXPECT_FALSE(limiter.acquire("u", 60).allowed);
  clock.now += 1.0;
  EXPECT_TRUE(limiter.acquire("u", 60).allowed);
  EXPECT_FALSE(limiter.acquire("u", 60).allowed);
  clock.now += 5.0;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.acquire("u", 60).allowed) << i;
  EXPECT_FALSE(limiter.acquire("u", 60).allowed);
}

TEST(RateLimiterTest, KeysAreIndependentAndZeroMeansUnlimited) {
  FakeClock clock;
  InProcessRateLimiter limiter(clock.fn());
  EXPECT_TRUE(limiter.acquire("a", 1).allowed);
  EXPECT_FALSE(limiter.acquire("a", 1).allowed);
  EXPECT_TRUE(limiter.acquire("b", 1).allowed);
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(limiter.acquire("c", 0).allowed);
}

TEST(RateLimiterTest, ForgetsKeysWhoseBucketsRefilled) {
  FakeClock clock;
  InProcessRateLimiter limiter(clock.fn());
  for (int i = 0; i < 100; ++i) limiter.acquire("ip:" + std::to_string(i), 60);
  EXPECT_EQ(limiter.tracked_keys(), 100u);
  clock.now += 2.0;
  limiter.acquire("busy", 60);
  for (int i = 0; i < 59; ++i) limiter.acquire("busy", 60);
  clock.now += 1.5;
  // The 100 single-use buckets refilled after a second; "busy" has not.
  EXPECT_EQ(limiter.tracked_keys(), 1u);
}

}  // namespace
}  // namespace churnwatch::services
