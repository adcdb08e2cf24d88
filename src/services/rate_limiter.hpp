// Token-bucket rate limiting behind an interface, so a shared backend (Redis)
// can replace the in-process one when several servers run side by side.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace churnwatch::services {

struct RateDecision {
  bool allowed = true;
  int retry_after_seconds = 0;  // when refused: whole seconds until one request fits (>= 1)
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Takes one request from the bucket named `key`, which holds at most
  // `per_minute` requests and refills at `per_minute` per minute (so a quiet
  // client may burst a full minute's worth). `per_minute` <= 0 means
  // unlimited. The same key must always be used with the same rate.
  virtual RateDecision acquire(std::string_view key, int per_minute) = 0;
};

// Seconds on a monotonic clock; injectable so tests can move time.
using MonotonicClock = std::function<double()>;
MonotonicClock steady_seconds();

// Buckets in a hash map under one mutex. Full buckets are forgotten (a full
// bucket and a missing one behave the same), so memory follows the number
// of recently active keys, not of all keys ever seen.
class InProcessRateLimiter final : public RateLimiter {
 public:
  explicit InProcessRateLimiter(MonotonicClock clock = steady_seconds()) : clock_(std::move(clock)) {}
  RateDecision acquire(std::string_view key, int per_minute) override;
  std::size_t tracked_keys();

 private:
  struct Bucket {
    double tokens = 0;
    double updated = 0;
  };
  void prune(double now);

  MonotonicClock clock_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::unordered_map<std::string, int> rates_;
  double last_prune_ = 0;
};

}  // namespace churnwatch::services
