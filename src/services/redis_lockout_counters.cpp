#include "services/redis_lockout_counters.hpp"

#include <spdlog/spdlog.h>

namespace churnwatch::services {
namespace {

// KEYS[1]: the counter hash. ARGV: failures, window, first lock, max lock
// (seconds). Returns the seconds of the lock this failure started, 0 when
// none. The same rule as InProcessLockoutCounters, in one script so
// concurrent servers never lose a failure.
constexpr const char* kFailure = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local limit, window, first, max = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local h = redis.call('HMGET', KEYS[1], 'count', 'start', 'locks', 'last')
local count, start = tonumber(h[1]) or 0, tonumber(h[2]) or now
local locks, last = tonumber(h[3]) or 0, tonumber(h[4]) or now
if locks > 0 and now - last > window + max then locks = 0 end
if count == 0 or now - start > window then count, start = 0, now end
count = count + 1
local lock = 0
local until_ = tonumber(redis.call('HGET', KEYS[1], 'until')) or 0
if count >= limit then
  lock = math.min(max, first * 2 ^ math.min(locks, 30))
  until_ = now + lock
  locks = locks + 1
  count = 0
end
redis.call('HSET', KEYS[1], 'count', count, 'start', tostring(start), 'locks', locks,
           'last', tostring(now), 'until', tostring(until_))
redis.call('PEXPIRE', KEYS[1], math.ceil(math.max(window + max, until_ - now) * 1000))
return math.ceil(lock)
)lua";

// KEYS[1]: the counter hash. Returns the whole seconds it stays locked.
constexpr const char* kLocked = R"lua(
local until_ = tonumber(redis.call('HGET', KEYS[1], 'until'))
if not until_ then return 0 end
local t = redis.call('TIME')
local left = until_ - (tonumber(t[1]) + tonumber(t[2]) / 1000000)
if left <= 0 then return 0 end
return math.max(1, math.ceil(left))
)lua";

// `text` with Redis glob characters escaped, for SCAN MATCH.
std::string glob_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

}  // namespace

RedisLockoutCounters::RedisLockoutCounters(std::shared_ptr<cache::RedisClient> redis,
                                           std::chrono::milliseconds retry_every)
    : redis_(std::move(redis)), retry_every_(retry_every), failure_(kFailure), locked_(kLocked) {}

std::string RedisLockoutCounters::redis_key(std::string_view key) const {
  return redis_->options().key_prefix + "lockout:" + std::string(key);
}

bool RedisLockoutCounters::try_redis() {
  if (!degraded_.load()) return true;
  std::lock_guard lock(retry_mu_);
  if (std::chrono::steady_clock::now() < next_try_) return false;
  next_try_ = std::chrono::steady_clock::now() + retry_every_;  // this caller probes Redis
  return true;
}

void RedisLockoutCounters::failed(const core::Error& e) {
  if (degraded_.exchange(true)) return;
  std::lock_guard lock(retry_mu_);
  next_try_ = std::chrono::steady_clock::now() + retry_every_;
  spdlog::warn(
      "sign-in lockouts fall back to this process only: Redis at {} failed ({}); retrying every {} ms",
      cache::describe(redis_->options()), e.what(), retry_every_.count());
}

void RedisLockoutCounters::recovered() {
  if (degraded_.exchange(false))
    spdlog::info("sign-in lockouts are shared through Redis at {} again", cache::describe(redis_->options()));
}

int RedisLockoutCounters::locked_for(std::string_view key) {
  if (try_redis()) {
    try {
      const auto seconds = locked_.run(*redis_, {redis_key(key)}, {}).as_integer();
      recovered();
      return static_cast<int>(seconds);
    } catch (const core::Error& e) {
      failed(e);
    }
  }
  return fallback_.locked_for(key);
}

int RedisLockoutCounters::record_failure(std::string_view key, const LockoutRule& rule) {
  if (try_redis()) {
    try {
      const auto seconds =
          failure_
              .run(*redis_, {redis_key(key)},
                   {std::to_string(rule.failures), std::to_string(rule.window_seconds),
                    std::to_string(rule.first_lock_seconds), std::to_string(rule.max_lock_seconds)})
              .as_integer();
      recovered();
      return static_cast<int>(seconds);
    } catch (const core::Error& e) {
      failed(e);
    }
  }
  return fallback_.record_failure(key, rule);
}

void RedisLockoutCounters::clear(std::string_view key) {
  fallback_.clear(key);
  redis_->command({"DEL", redis_key(key)});
}

int RedisLockoutCounters::clear_prefix(std::string_view prefix) {
  int n = fallback_.clear_prefix(prefix);
  const std::string pattern = glob_escape(redis_key(prefix)) + "*";
  std::string cursor = "0";
  do {
    auto reply = redis_->command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
    const auto& parts = reply.as_array();
    if (parts.size() != 2) throw core::Unavailable("Redis answered SCAN with a malformed reply");
    cursor = parts[0].as_string();
    for (const auto& key : parts[1].as_array()) {
      n += static_cast<int>(redis_->command({"DEL", key.as_string()}).as_integer());
    }
  } while (cursor != "0");
  return n;
}

}  // namespace churnwatch::services
