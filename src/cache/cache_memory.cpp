#include "cache/cache_memory.hpp"

namespace churnwatch::cache {

MemoryCache::MemoryCache(MemoryCacheOptions options) : options_(options) {
  if (options_.max_entries == 0) options_.max_entries = 1;
}

std::optional<std::string> MemoryCache::get(std::string_view key) {
  std::lock_guard lock(mutex_);
  auto found = index_.find(key);
  if (found == index_.end()) return std::nullopt;
  auto it = found->second;
  if (Clock::now() >= it->expires) {
    erase(it);
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_,
              it);  // iterators (and the key view) stay valid
  return it->value;
}

void MemoryCache::set(std::string_view key, std::string_view value, std::chrono::milliseconds ttl) {
  const std::size_t size = key.size() + value.size();
  std::lock_guard lock(mutex_);
  if (auto found = index_.find(key); found != index_.end()) erase(found->second);
  if (size > options_.max_bytes / 4) return;
  const auto expires = ttl.count() > 0 ? Clock::now() + ttl : Clock::time_point::max();
  lru_.push_front(Entry{std::string(key), std::string(value), expires});
  index_.emplace(lru_.front().key, lru_.begin());
  bytes_ += size;
  while (!lru_.empty() && (index_.size() > options_.max_entries || bytes_ > options_.max_bytes))
    erase(std::prev(lru_.end()));
}

void MemoryCache::remove(std::string_view key) {
  std::lock_guard lock(mutex_);
  if (auto found = index_.find(key); found != index_.end()) erase(found->second);
}

std::uint64_t MemoryCache::generation(std::string_view ns) {
  std::lock_guard lock(mutex_);
  auto it = generations_.find(std::string(ns));
  return it == generations_.end() ? 0 : it->second;
}

std::uint64_t MemoryCache::bump(std::string_view ns) {
  std::lock_guard lock(mutex_);
  return ++generations_[std::string(ns)];
}

std::string MemoryCache::ping() {
  std::lock_guard lock(mutex_);
  return "in-process, " + std::to_string(index_.size()) + " entries, " + std::to_string(bytes_) + " bytes";
}

std::size_t MemoryCache::size() const {
  std::lock_guard lock(mutex_);
  return index_.size();
}

std::size_t MemoryCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

void MemoryCache::erase(List::iterator it) {
  bytes_ -= it->key.size() + it->value.size();
  index_.erase(std::string_view(it->key));
  lru_.erase(it);
}

}  // namespace churnwatch::cache
