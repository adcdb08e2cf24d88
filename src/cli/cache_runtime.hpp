// The cache a process runs with, chosen once from the configuration, and the
// store wrapped so that its changes invalidate the cached reads.
#pragma once

#include <memory>

#include "cache/cache_resilient.hpp"
#include "core/config.hpp"
#include "services/read_cache.hpp"
#include "storage/store.hpp"

namespace churnwatch::cli {

struct CachedRuntime {
  std::unique_ptr<storage::Store> database;  // the store itself
  std::unique_ptr<cache::ResilientCache> cache;
  std::unique_ptr<services::ReadCache> reads;
  std::unique_ptr<storage::Store> store;  // `database` behind an InvalidatingStore: use this one
};

// Opens the store (open_runtime_store) and the cache, and wraps the store.
CachedRuntime open_cached_runtime(const core::Config& config);

}  // namespace churnwatch::cli
