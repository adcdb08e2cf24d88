#include "cache/cache_open.hpp"

namespace churnwatch::cache {

std::unique_ptr<Cache> open_cache(const CacheOptions& options) {
  return std::make_unique<MemoryCache>(options.memory);
}

}  // namespace churnwatch::cache
