// Sign-in lockout counters in Redis, so every server of a fleet counts the
// same failures (a guesser spreading attempts over servers gains nothing).
// Like RedisRateLimiter, it falls back to in-process counters while Redis
// is unreachable, logging the switch once each way.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>

#include "cache/redis_client.hpp"
#include "services/login_guard.hpp"

namespace churnwatch::services {

class RedisLockoutCounters final : public LockoutCounters {
 public:
  // Counters live under `redis`'s key prefix + "lockout:", one hash each,
  // expiring a window plus the longest lock after their last failure. Times
  // come from the Redis server's clock.
  explicit RedisLockoutCounters(std::shared_ptr<cache::RedisClient> redis,
                                std::chrono::milliseconds retry_every = std::chrono::seconds(5));

  int locked_for(std::string_view key) override;
  int record_failure(std::string_view key, const LockoutRule& rule) override;
  void clear(std::string_view key) override;
  int clear_prefix(std::string_view prefix) override;

  bool degraded() const { return degraded_.load(); }

 private:
  std::string redis_key(std::string_view key) const;
  // True when Redis should be tried (not degraded, or time for a probe).
  bool try_redis();
  void failed(const core::Error& e);
  void recovered();

  std::shared_ptr<cache::RedisClient> redis_;
  std::chrono::milliseconds retry_every_;
  cache::RedisScript failure_;
  cache::RedisScript locked_;
  InProcessLockoutCounters fallback_;
  std::atomic<bool> degraded_{false};
  std::mutex retry_mu_;
  std::chrono::steady_clock::time_point next_try_{};
};

}  // namespace churnwatch::services
