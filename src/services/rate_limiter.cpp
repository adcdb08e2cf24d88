#include "services/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace churnwatch::services {
namespace {

// How often full buckets are swept out of the map.
constexpr double kPruneEverySeconds = 60;

}  // namespace

MonotonicClock steady_seconds() {
  return [] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  };
}

RateDecision InProcessRateLimiter::acquire(std::string_view key, int per_minute) {
  if (per_minute <= 0) return {};
  const double now = clock_();
  const double capacity = per_minute;
  const double per_second = per_minute / 60.0;
  std::lock_guard lock(mu_);
  if (now - last_prune_ >= kPruneEverySeconds) prune(now);
  std::string k(key);
  auto [it, fresh] = buckets_.try_emplace(k, Bucket{capacity, now});
  rates_[k] = per_minute;
  Bucket &b = it->second;
  if (!fresh) {
    b.tokens = std::min(capacity, b.tokens + (now - b.updated) * per_second);
    b.updated = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return {};
  }
  const double wait = (1.0 - b.tokens) / per_second;
  return {false, std::max(1, static_cast<int>(std::ceil(wait)))};
}

std::size_t InProcessRateLimiter::tracked_keys() {
  std::lock_guard lock(mu_);
  prune(clock_());
  return buckets_.size();
}

void InProcessRateLimiter::prune(double now) {
  last_prune_ = now;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const double per_second = rates_[it->first] / 60.0;
    const double refilled = it->second.tokens + (now - it->second.updated) * per_second;
    if (refilled >= rates_[it->first]) {
      rates_.erase(it->first);
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace churnwatch::services
