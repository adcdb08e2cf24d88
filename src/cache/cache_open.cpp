#include "cache/cache_open.hpp"

#include "cache/cache_redis.hpp"

namespace churnwatch::cache {

std::unique_ptr<Cache> open_cache(const CacheOptions& options) {
  // Connecting is lazy: a Redis that is down at start-up makes the cache
  // unavailable (ResilientCache serves without it), not the process fail.
  if (!options.redis_url.empty())
    return std::make_unique<RedisCache>(std::make_shared<RedisClient>(parse_redis_url(options.redis_url)));
  return std::make_unique<MemoryCache>(options.memory);
}

}  // namespace churnwatch::cache
