// MemoryCache: the embedded Cache, a thread-safe LRU bounded by entries and
// bytes, private to one process.
#pragma once

#include <list>
#include <mutex>
#include <unordered_map>

#include "cache/cache.hpp"

namespace churnwatch::cache {

struct MemoryCacheOptions {
  std::size_t max_entries = 10000;
  // Keys plus values; the least recently used entries go first. A value
  // larger than a quarter of this is not stored at all, so one huge page
  // cannot flush everything else.
  std::size_t max_bytes = 64u << 20;
};

class MemoryCache final : public Cache {
 public:
  explicit MemoryCache(MemoryCacheOptions options = {});

  std::optional<std::string> get(std::string_view key) override;
  void set(std::string_view key, std::string_view value, std::chrono::milliseconds ttl) override;
  void remove(std::string_view key) override;
  std::uint64_t generation(std::string_view ns) override;
  std::uint64_t bump(std::string_view ns) override;
  std::string ping() override;
  std::string_view kind() const override { return "memory"; }

  std::size_t size() const;
  std::size_t bytes() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    std::string key;
    std::string value;
    Clock::time_point expires;  // max(): never
  };
  using List = std::list<Entry>;  // most recently used first

  void erase(List::iterator it);  // REQUIRES: mutex_ held

  MemoryCacheOptions options_;
  mutable std::mutex mutex_;
  List lru_;
  std::unordered_map<std::string_view, List::iterator> index_;  // views into lru_ keys
  std::size_t bytes_ = 0;
  std::unordered_map<std::string, std::uint64_t> generations_;
};

}  // namespace churnwatch::cache
