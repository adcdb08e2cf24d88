// RedisCache: the Cache shared by every server and worker of a fleet
// (CHURNWATCH_REDIS_URL). Values live under "<prefix>cache:v:<key>" with a
// Redis expiry; generations are plain counters under "<prefix>cache:g:<ns>"
// without expiry, bumped with INCR, so a change made through any process
// invalidates what every other process cached. Under memory pressure Redis
// may evict values (configure an allkeys-* or volatile-* policy); with
// volatile-* only values, which carry an expiry, are candidates, so a
// generation is never lost and never goes back.
#pragma once

#include <memory>

#include "cache/cache.hpp"
#include "cache/redis_client.hpp"

namespace churnwatch::cache {

class RedisCache final : public Cache {
 public:
  explicit RedisCache(std::shared_ptr<RedisClient> redis);

  std::optional<std::string> get(std::string_view key) override;
  void set(std::string_view key, std::string_view value, std::chrono::milliseconds ttl) override;
  void remove(std::string_view key) override;
  std::uint64_t generation(std::string_view ns) override;
  std::uint64_t bump(std::string_view ns) override;
  std::string ping() override;
  std::string_view kind() const override { return "redis"; }

 private:
  std::string value_key(std::string_view key) const;
  std::string generation_key(std::string_view ns) const;

  std::shared_ptr<RedisClient> redis_;
  std::string prefix_;
};

}  // namespace churnwatch::cache
