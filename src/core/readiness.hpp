// Readiness checks: the named probes GET /readyz runs. The composition root
// registers the store, queue and model checks; any other part that the
// server depends on (a cache, a message broker) registers its own:
//
//   readiness.add("cache", /*required=*/false, [&] {
//     redis.ping();          // throws when unreachable: the check fails with e.what()
//     return "redis 7.0";    // optional detail shown when it passes
//   });
//
// A required check that fails makes /readyz answer 503 (a load balancer stops
// sending traffic); an optional one is reported but leaves the server ready
// (it can still serve, e.g. without cache). Checks must bound their own time
// (connect and query timeouts of a second or two): /readyz waits for them.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace churnwatch::core {

struct CheckResult {
  std::string name;
  bool required = true;
  bool ok = false;
  std::string detail;  // the check's detail when ok, the error when not
  double duration_ms = 0;
};

struct ReadinessReport {
  bool ready = true;  // every required check passed
  std::vector<CheckResult> checks;
};

// Thread-safe: checks may be added while others run.
class ReadinessChecks {
 public:
  // Returns a detail on success; throws (any exception) on failure.
  using Check = std::function<std::string()>;

  // Adds a check, or replaces the one with the same name.
  void add(const std::string& name, bool required, Check check);
  void remove(const std::string& name);
  // Runs every check in the order added, each at most once.
  ReadinessReport run() const;

 private:
  struct Entry {
    std::string name;
    bool required;
    Check check;
  };
  mutable std::mutex mutex_;
  std::vector<Entry> entries_;
};

}  // namespace churnwatch::core
