#include "cache/cache_redis.hpp"

#include <charconv>

namespace churnwatch::cache {
namespace {

std::uint64_t counter(const std::optional<std::string>& text, const std::string& key) {
  if (!text) return 0;
  std::uint64_t n = 0;
  const auto* end = text->data() + text->size();
  if (auto [p, ec] = std::from_chars(text->data(), end, n); ec != std::errc() || p != end)
    throw core::Unavailable("redis: " + key + " holds '" + *text + "', not a generation counter");
  return n;
}

}  // namespace

RedisCache::RedisCache(std::shared_ptr<RedisClient> redis)
    : redis_(std::move(redis)), prefix_(redis_->options().key_prefix + "cache:") {}

std::string RedisCache::value_key(std::string_view key) const { return prefix_ + "v:" + std::string(key); }

std::string RedisCache::generation_key(std::string_view ns) const {
  return prefix_ + "g:" + std::string(ns);
}

std::optional<std::string> RedisCache::get(std::string_view key) {
  return redis_->command({"GET", value_key(key)}).as_optional_string();
}

void RedisCache::set(std::string_view key, std::string_view value, std::chrono::milliseconds ttl) {
  if (ttl.count() > 0)
    redis_->command({"SET", value_key(key), std::string(value), "PX", std::to_string(ttl.count())});
  else
    redis_->command({"SET", value_key(key), std::string(value)});
}

void RedisCache::remove(std::string_view key) { redis_->command({"DEL", value_key(key)}); }

std::uint64_t RedisCache::generation(std::string_view ns) {
  const std::string key = generation_key(ns);
  return counter(redis_->command({"GET", key}).as_optional_string(), key);
}

std::uint64_t RedisCache::bump(std::string_view ns) {
  return static_cast<std::uint64_t>(redis_->command({"INCR", generation_key(ns)}).as_integer());
}

std::string RedisCache::ping() {
  // PING through command() so a failure throws with the server's name.
  redis_->command({"PING"});
  return "redis " + describe(redis_->options());
}

}  // namespace churnwatch::cache
