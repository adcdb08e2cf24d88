// Chooses the Cache backend once, at start-up, from the configuration.
#pragma once

#include <memory>
#include <string>

#include "cache/cache.hpp"
#include "cache/cache_memory.hpp"

namespace churnwatch::cache {

struct CacheOptions {
  MemoryCacheOptions memory;  // the in-process LRU's bounds
  // redis://...: a RedisCache shared by every process using the same Redis
  // (and key prefix); empty: the in-process MemoryCache.
  std::string redis_url;
};

std::unique_ptr<Cache> open_cache(const CacheOptions& options);

}  // namespace churnwatch::cache
