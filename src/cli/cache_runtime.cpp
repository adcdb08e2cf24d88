#include "cli/cache_runtime.hpp"

#include "cache/cache_open.hpp"
#include "cli/runtime.hpp"
#include "services/invalidating_store.hpp"

namespace churnwatch::cli {

CachedRuntime open_cached_runtime(const core::Config& config) {
  CachedRuntime rt;
  rt.database = open_runtime_store(config);
  cache::CacheOptions options;
  options.memory.max_bytes = config.cache_max_bytes;
  options.redis_url = config.cache_redis_url();
  rt.cache = std::make_unique<cache::ResilientCache>(cache::open_cache(options));
  services::ReadCacheOptions reads;
  reads.prediction_ttl = std::chrono::seconds(config.cache_prediction_ttl_seconds);
  reads.response_ttl = std::chrono::seconds(config.cache_response_ttl_seconds);
  rt.reads = std::make_unique<services::ReadCache>(*rt.cache, reads);
  rt.store = std::make_unique<services::InvalidatingStore>(*rt.database, *rt.reads);
  return rt;
}

}  // namespace churnwatch::cli
