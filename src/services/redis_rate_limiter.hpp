// Token buckets in Redis, so every server behind a load balancer draws from
// one budget per client. Falls back to an in-process limiter while Redis is
// unreachable: requests keep being served (limited per process), and the
// switch is logged once each way, not per request.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include "cache/redis_client.hpp"
#include "services/rate_limiter.hpp"

namespace churnwatch::services {

class RedisRateLimiter final : public RateLimiter {
 public:
  // Buckets live under `redis`'s key prefix + "rate:". While Redis fails,
  // it is tried again at most every `retry_every` (so a dead Redis costs one
  // connect timeout per period, not one per request).
  explicit RedisRateLimiter(std::shared_ptr<cache::RedisClient> redis,
                            std::chrono::milliseconds retry_every = std::chrono::seconds(5));

  // Same contract as RateLimiter::acquire. Bucket time comes from the Redis
  // server's clock, so servers with skewed clocks still agree.
  RateDecision acquire(std::string_view key, int per_minute) override;

  // True while requests are limited in-process because Redis failed.
  bool degraded() const { return degraded_.load(); }

 private:
  std::shared_ptr<cache::RedisClient> redis_;
  std::chrono::milliseconds retry_every_;
  cache::RedisScript bucket_;
  InProcessRateLimiter fallback_;
  std::atomic<bool> degraded_{false};
  std::mutex retry_mu_;
  std::chrono::steady_clock::time_point next_try_{};
};

}  // namespace churnwatch::services
