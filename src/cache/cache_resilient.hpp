// ResilientCache: what the services use. It wraps a Cache backend and never
// lets the backend's failure fail a request: while the backend is unreachable
// reads miss, writes are dropped, and the server answers from the database.
//
// State changes are logged once each ("cache unavailable" when the backend
// first fails, "cache available again" when it answers again), not per
// request. While down, requests do not wait for the backend: at most one
// request per retry interval probes it, the others skip it.
//
// A generation bump that fails while the backend is down is remembered and
// made when it comes back, before anything is read from it again, so entries
// written before that change are not served after the outage.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "cache/cache.hpp"

namespace churnwatch::cache {

class ResilientCache {
 public:
  explicit ResilientCache(std::unique_ptr<Cache> backend,
                          std::chrono::milliseconds retry_interval = std::chrono::seconds(1));

  // nullopt: absent, expired, or the backend is unavailable.
  std::optional<std::string> get(std::string_view key);
  void set(std::string_view key, std::string_view value, std::chrono::milliseconds ttl);
  // nullopt when the backend is unavailable: the caller skips the cache.
  std::optional<std::uint64_t> generation(std::string_view ns);
  // Never throws; while down, the bump is made on recovery.
  void bump(std::string_view ns);

  // For /readyz: the backend's description when it answers (this also ends a
  // down state at once); throws core::Unavailable naming the backend and its
  // error when it does not.
  std::string check();
  bool available() const { return up_.load(); }
  std::string_view kind() const { return backend_->kind(); }

 private:
  // True when the backend may be used now: it is up, or it is down and this
  // caller won the next probe and the probe (ping + missed bumps) succeeded.
  bool usable();
  void mark_down(const std::exception& e);
  // REQUIRES: the backend just answered. Makes the missed bumps; returns
  // false (and stays down) when they fail.
  bool recover();

  std::unique_ptr<Cache> backend_;
  std::chrono::milliseconds retry_interval_;
  std::atomic<bool> up_{true};
  std::atomic<std::int64_t> next_probe_ns_{0};  // steady clock; while down
  std::mutex mutex_;                            // guards missed_ and the transitions
  std::set<std::string> missed_;                // namespaces to bump on recovery
};

}  // namespace churnwatch::cache
