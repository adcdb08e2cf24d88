// ReadCache: the cached reads of the API — what-if predictions and the heavy
// read responses (customer list pages, the risk summary) — over the process's
// ResilientCache (in-process LRU, or Redis shared by the fleet).
//
// - Predictions are keyed by production model version, schema version and a
//   hash of the canonical (validated, typed, sorted) attributes. A promotion
//   or rollback changes the version in the key, so no entry can outlive its
//   model; the answer for given attributes does not depend on stored data.
// - Responses are keyed by the generation of the "data" namespace, a kind
//   ("customers", "risk_summary") and the normalized query. The generation is
//   bumped after every change they depend on (see invalidating_store.hpp),
//   in Redis for every server at once (in-process: this process only).
//
// Hits and misses are counted in churnwatch_cache_requests_total{cache,
// outcome}; outcome "bypass" means the cache was unavailable.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cache/cache_resilient.hpp"

namespace churnwatch::services {

struct ReadCacheOptions {
  std::chrono::seconds prediction_ttl{3600};  // CHURNWATCH_CACHE_PREDICTION_TTL; 0: predictions not cached
  std::chrono::seconds response_ttl{300};     // CHURNWATCH_CACHE_RESPONSE_TTL; 0: responses not cached
};

class ReadCache {
 public:
  ReadCache(cache::ResilientCache& cache, ReadCacheOptions options = {}) : cache_(cache), options_(options) {}

  // The response `kind` for `key` (e.g. a normalized query) at the current
  // data generation; `render` computes it on a miss (its exceptions pass
  // through and nothing is stored).
  std::string response(std::string_view kind, std::string_view key,
                       const std::function<std::string()>& render);

  // A stored prediction body for `key` (see prediction_key), or nullopt.
  std::optional<std::string> prediction(const std::string& key);
  void store_prediction(const std::string& key, std::string_view body);

  // Every cached response is stale from now on.
  void data_changed();

  cache::ResilientCache& cache() { return cache_; }

 private:
  cache::ResilientCache& cache_;
  ReadCacheOptions options_;
};

// "predict:m<model>:s<schema>:<hash of canonical attributes>".
std::string prediction_key(std::int64_t model_version, int schema_version,
                           std::string_view canonical_attributes);

// Query parameters in one canonical order (sorted by name, then value), each
// percent-encoded, so `?b=1&a=2` and `?a=2&b=1` share an entry.
std::string normalized_query(std::vector<std::pair<std::string, std::string>> params);

// A 128-bit hex digest (BLAKE2b) for keys built from long input.
std::string key_digest(std::string_view text);

}  // namespace churnwatch::services
