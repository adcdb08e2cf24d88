// What only the Redis cache promises: processes sharing one Redis share
// values and generations, and when Redis stops, ResilientCache serves
// without it and takes it up again once it is back.
#include <gtest/gtest.h>

#include "cache/cache_redis.hpp"
#include "cache/cache_resilient.hpp"
#include "cache/redis_test_support.hpp"

namespace churnwatch::cache {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<RedisCache> open(const std::string& url, const std::string& prefix) {
  auto options = parse_redis_url(url);
  options.key_prefix = prefix;
  options.connect_timeout = 500ms;
  options.command_timeout = 500ms;
  return std::make_unique<RedisCache>(std::make_shared<RedisClient>(options));
}

TEST(RedisCache, TwoProcessesShareValuesAndGenerations) {
  if (testing::test_redis_url().empty()) GTEST_SKIP() << testing::kNoRedis;
  const std::string prefix = testing::unique_prefix("shared");
  // Two clients with their own connections stand for two servers.
  auto a = open(testing::test_redis_url(), prefix);
  auto b = open(testing::test_redis_url(), prefix);
  a->set("page", "from a", 60s);
  EXPECT_EQ(b->get("page"), "from a");
  EXPECT_EQ(b->generation("data"), 0u);
  EXPECT_EQ(a->bump("data"), 1u);
  EXPECT_EQ(b->generation("data"), 1u) << "a change made through one server is seen by the other";
  EXPECT_EQ(b->bump("data"), 2u);
  EXPECT_EQ(a->generation("data"), 2u);
  // Another deployment's prefix sees none of it.
  auto other = open(testing::test_redis_url(), testing::unique_prefix("other"));
  EXPECT_FALSE(other->get("page").has_value());
  EXPECT_EQ(other->generation("data"), 0u);
  EXPECT_EQ(a->kind(), "redis");
  EXPECT_NE(a->ping().find("redis 127.0.0.1:"), std::string::npos);
}

TEST(RedisCache, ResilientCacheServesWithoutRedisAndUsesItAgainWhenBack) {
  if (!testing::PrivateRedis::available()) GTEST_SKIP() << "redis-server is not installed";
  testing::PrivateRedis redis;
  redis.start();
  ResilientCache cache(open(redis.url(), "cwtest:resilient:"), 50ms);
  cache.set("k", "v", 60s);
  ASSERT_EQ(cache.get("k"), "v");
  ASSERT_TRUE(cache.available());

  redis.stop();
  EXPECT_FALSE(cache.get("k").has_value()) << "reads miss while Redis is down";
  EXPECT_NO_THROW(cache.set("k2", "v2", 60s));
  EXPECT_FALSE(cache.generation("data").has_value()) << "callers skip the cache";
  EXPECT_NO_THROW(cache.bump("data"));
  EXPECT_FALSE(cache.available());
  EXPECT_THROW(cache.check(), core::Unavailable);

  redis.start();  // empty again, on the same port
  std::optional<std::uint64_t> generation;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!(generation = cache.generation("data")) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(generation.has_value()) << "the cache was not used again within 20 s of Redis coming back";
  EXPECT_GE(*generation, 1u) << "the bump missed during the outage is made on recovery";
  EXPECT_TRUE(cache.available());
  EXPECT_NE(cache.check().find("redis"), std::string::npos);
  cache.set("k", "again", 60s);
  EXPECT_EQ(cache.get("k"), "again");
}

}  // namespace
}  // namespace churnwatch::cache
