// Which queue and cache a process picks from CHURNWATCH_REDIS_URL,
// CHURNWATCH_QUEUE and CHURNWATCH_CACHE, and the errors for a wrong choice.
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/config.hpp"
#include "core/errors.hpp"

namespace churnwatch::core {
namespace {

class ConfigBackends : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"CHURNWATCH_REDIS_URL", "CHURNWATCH_QUEUE", "CHURNWATCH_CACHE"}) ::unsetenv(name);
  }
  void TearDown() override { SetUp(); }
};

TEST_F(ConfigBackends, WithoutRedisEverythingIsEmbedded) {
  const Config c = config_from_env();
  EXPECT_EQ(c.cache_redis_url(), "");
  EXPECT_EQ(c.queue_url().rfind("sqlite://", 0), 0u);
}

TEST_F(ConfigBackends, ARedisUrlPutsTheCacheAndTheQueueInRedis) {
  ::setenv("CHURNWATCH_REDIS_URL", "redis://127.0.0.1:6390/1", 1);
  const Config c = config_from_env();
  EXPECT_EQ(c.cache_redis_url(), "redis://127.0.0.1:6390/1");
  EXPECT_EQ(c.queue_url(), "redis://127.0.0.1:6390/1");
}

TEST_F(ConfigBackends, TheCacheCanStayInProcessBesideRedis) {
  ::setenv("CHURNWATCH_REDIS_URL", "redis://127.0.0.1:6390/1", 1);
  ::setenv("CHURNWATCH_CACHE", "memory", 1);
  EXPECT_EQ(config_from_env().cache_redis_url(), "");
}

TEST_F(ConfigBackends, RedisCacheWithoutARedisUrlOrAnUnknownCacheIsRefused) {
  ::setenv("CHURNWATCH_CACHE", "redis", 1);
  try {
    (void)config_from_env().cache_redis_url();
    FAIL() << "expected Invalid";
  } catch (const Invalid& e) {
    EXPECT_NE(std::string(e.what()).find("CHURNWATCH_REDIS_URL"), std::string::npos) << e.what();
  }
  ::setenv("CHURNWATCH_CACHE", "memcached", 1);
  try {
    (void)config_from_env();
    FAIL() << "expected Invalid";
  } catch (const Invalid& e) {
    EXPECT_NE(std::string(e.what()).find("CHURNWATCH_CACHE must be 'memory' or 'redis', got 'memcached'"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace churnwatch::core
