// Every Cache backend runs the same conformance suite: the in-process LRU
// always, Redis when the test services run (CHURNWATCH_TEST_REDIS_URL).
#include "cache/cache_conformance.hpp"

#include "cache/cache_memory.hpp"
#include "cache/cache_redis.hpp"
#include "cache/redis_test_support.hpp"

namespace churnwatch::test_support {
namespace {

std::unique_ptr<cache::Cache> open_redis_cache() {
  const std::string url = testing::test_redis_url();
  if (url.empty()) return nullptr;
  auto options = cache::parse_redis_url(url);
  options.key_prefix = testing::unique_prefix("cache");
  return std::make_unique<cache::RedisCache>(std::make_shared<cache::RedisClient>(options));
}

INSTANTIATE_TEST_SUITE_P(Backends, CacheConformance,
                         ::testing::Values(CacheBackend{"memory",
                                                        [] { return std::make_unique<cache::MemoryCache>(); }},
                                           CacheBackend{"redis", open_redis_cache}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace churnwatch::test_support
