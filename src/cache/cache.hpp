// The Cache interface: a small key/value store with expiry, and generation
// counters for invalidation. Two implementations run the same conformance
// suite (tests/cache/cache_conformance.hpp): MemoryCache, an in-process LRU
// (the embedded default), and RedisCache (CHURNWATCH_REDIS_URL), shared by
// every server and worker of a fleet.
//
// Invalidation is by generation, not by deleting keys: a reader puts the
// current generation of a namespace into its keys ("customers:g7:..."), and a
// writer bumps the generation after its change is committed. Old entries are
// then never read again and age out (TTL, LRU). Bumping is one atomic
// increment, where deleting by prefix would need a SCAN over every key.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace churnwatch::cache {

class Cache {
 public:
  virtual ~Cache() = default;

  // The value stored under `key`, or nullopt when there is none or it has
  // expired. Every method throws core::Unavailable when the backend cannot be
  // reached; none throws for a missing key.
  virtual std::optional<std::string> get(std::string_view key) = 0;
  // Stores `value` under `key` for `ttl` (zero or less: kept until evicted),
  // replacing any previous value.
  virtual void set(std::string_view key, std::string_view value, std::chrono::milliseconds ttl) = 0;
  // Removes `key`; no error when there is none.
  virtual void remove(std::string_view key) = 0;

  // The generation of namespace `ns`: 0 until first bumped. Generations are
  // never evicted, so a bumped namespace never returns to an older number.
  virtual std::uint64_t generation(std::string_view ns) = 0;
  // Increments the generation of `ns` atomically (across processes for a
  // shared backend) and returns the new value.
  virtual std::uint64_t bump(std::string_view ns) = 0;

  // Checks the backend answers; returns a short description ("redis 7.0.15",
  // "in-process, 12 entries"). Throws core::Unavailable when it does not.
  virtual std::string ping() = 0;
  // "memory" or "redis": for logs, metrics labels and /readyz.
  virtual std::string_view kind() const = 0;
};

}  // namespace churnwatch::cache
