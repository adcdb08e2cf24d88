#include "services/redis_rate_limiter.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace churnwatch::services {

namespace {

// KEYS[1]: the bucket (hash of tokens and last update, in server seconds).
// ARGV[1]: capacity per minute. Returns {allowed, retry_after_ms}. One
// script, so concurrent servers never both spend the last token.
constexpr const char* kBucket = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local capacity = tonumber(ARGV[1])
local per_second = capacity / 60
local b = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens, updated = tonumber(b[1]), tonumber(b[2])
if not tokens then tokens, updated = capacity, now end
tokens = math.min(capacity, tokens + math.max(0, now - updated) * per_second)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
-- A bucket that would be full again is the same as none: let it expire.
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / per_second * 1000) + 1000)
if allowed == 1 then return {1, 0} end
return {0, math.ceil((1 - tokens) / per_second * 1000)}
)lua";

}  // namespace

RedisRateLimiter::RedisRateLimiter(std::shared_ptr<cache::RedisClient> redis,
                                   std::chrono::milliseconds retry_every)
    : redis_(std::move(redis)), retry_every_(retry_every), bucket_(kBucket) {}

RateDecision RedisRateLimiter::acquire(std::string_view key, int per_minute) {
  if (per_minute <= 0) return {};
  if (degraded_.load()) {
    std::lock_guard lock(retry_mu_);
    if (std::chrono::steady_clock::now() < next_try_) return fallback_.acquire(key, per_minute);
    next_try_ = std::chrono::steady_clock::now() + retry_every_;  // this caller probes Redis
  }
  try {
    auto reply = bucket_.run(*redis_, {redis_->options().key_prefix + "rate:" + std::string(key)},
                             {std::to_string(per_minute)});
    const auto& r = reply.as_array();
    if (r.size() != 2) throw core::Unavailable("the rate-limit script returned a malformed reply");
    if (degraded_.exchange(false))
      spdlog::info("rate limits are shared through Redis at {} again",
                   cache::describe(redis_->options()));
    if (r[0].as_integer() == 1) return {};
    const long long ms = r[1].as_integer();
    return {false, static_cast<int>(std::max<long long>(1, (ms + 999) / 1000))};
  } catch (const core::Error& e) {
    if (!degraded_.exchange(true)) {
      std::lock_guard lock(retry_mu_);
      next_try_ = std::chrono::steady_clock::now() + retry_every_;
      spdlog::warn(
          "rate limits fall back to this process only: Redis at {} failed ({}); retrying every "
          "{} ms",
          cache::describe(redis_->options()), e.what(), retry_every_.count());
    }
    return fallback_.acquire(key, per_minute);
  }
}

}  // namespace churnwatch::services
