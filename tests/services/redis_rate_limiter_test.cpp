// The Redis rate limiter: a budget shared by servers, and service without
// Redis.
#include "services/redis_rate_limiter.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include "cache/redis_test_support.hpp"

namespace churnwatch::services {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<cache::RedisClient> client(const std::string& url, const std::string& prefix) {
  auto o = cache::parse_redis_url(url);
  o.key_prefix = prefix;
  o.connect_timeout = 500ms;
  return std::make_shared<cache::RedisClient>(o);
}

TEST(RedisRateLimiter, TwoServersShareOneBudget) {
  const std::string url = testing::test_redis_url();
  if (url.empty()) GTEST_SKIP() << testing::kNoRedis;
  const std::string prefix = testing::unique_prefix("rate");
  RedisRateLimiter server_a(client(url, prefix)), server_b(client(url, prefix));
  // Two requests a minute: one token comes back only after 30 s.
  EXPECT_TRUE(server_a.acquire("ip:10.0.0.1", 2).allowed);
  EXPECT_TRUE(server_a.acquire("ip:10.0.0.1", 2).allowed);
  auto refused = server_b.acquire("ip:10.0.0.1", 2);
  EXPECT_FALSE(refused.allowed) << "the other server saw the spent budget";
  EXPECT_GE(refused.retry_after_seconds, 1);
  EXPECT_LE(refused.retry_after_seconds, 30);
  EXPECT_FALSE(server_a.acquire("ip:10.0.0.1", 2).allowed);
  EXPECT_TRUE(server_b.acquire("ip:10.0.0.2", 2).allowed) << "another client has its own bucket";
  EXPECT_TRUE(server_b.acquire("ip:10.0.0.1", 0).allowed) << "0 means unlimited";
  EXPECT_FALSE(server_a.degraded());
}

TEST(RedisRateLimiter, ServesWithoutRedisAndLogsTheFallbackOnce) {
  if (!testing::PrivateRedis::available()) GTEST_SKIP() << "redis-server is not installed";
  testing::PrivateRedis server;
  server.start();
  RedisRateLimiter limiter(client(server.url(), "cw:"), 50ms);
  EXPECT_TRUE(limiter.acquire("user:1", 1000).allowed);

  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000);
  spdlog::default_logger()->sinks().push_back(sink);
  server.stop();
  int allowed = 0;
  for (int i = 0; i < 200; ++i) allowed += limiter.acquire("user:1", 1000).allowed;
  EXPECT_EQ(allowed, 200) << "requests are still served while Redis is down";
  EXPECT_TRUE(limiter.degraded());
  // Limits still hold in-process meanwhile.
  EXPECT_TRUE(limiter.acquire("user:2", 1).allowed);
  EXPECT_FALSE(limiter.acquire("user:2", 1).allowed);

  server.start();
  for (int i = 0; i < 400 && limiter.degraded(); ++i) {
    limiter.acquire("user:3", 1000);
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_FALSE(limiter.degraded()) << "back on Redis once it answers again";
  spdlog::default_logger()->sinks().pop_back();

  int fallbacks = 0, recoveries = 0;
  for (const auto& line : sink->last_formatted()) {
    fallbacks += line.find("fall back to this process") != std::string::npos;
    recoveries += line.find("shared through Redis") != std::string::npos;
  }
  EXPECT_EQ(fallbacks, 1) << "logged once, not per request";
  EXPECT_EQ(recoveries, 1);
}

}  // namespace
}  // namespace churnwatch::services
