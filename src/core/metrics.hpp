// Process metrics: counters, gauges and histograms with labels, rendered in
// the Prometheus text exposition format 0.0.4 (served at GET /metrics).
//
// Adding a metric from any layer (cache hits, predictions, alert deliveries):
//
//   #include "core/metrics.hpp"
//   // Once, e.g. as a function-local static or a member: registering the same
//   // name again with the same type and label names returns the same family.
//   static auto& hits = core::default_metrics().counter(
//       "churnwatch_cache_requests_total", "Cache lookups by cache and outcome.", {"cache", "outcome"});
//   hits.with({"prediction", "hit"}).inc();
//
// Label values must be few and bounded (a route template, a job kind, a state),
// never ids or raw paths: every distinct combination is a time series kept for
// the life of the process. `with()` takes a lock; on a hot path keep the
// returned reference (children are never removed, so references stay valid).
//
// Values that are cheaper to read than to track (queue depth, model version)
// are set by a collector, a callback run just before each scrape:
//
//   auto handle = core::default_metrics().add_collector([&] { depth.with({}).set(queue.depth()); });
//
// The collector is removed when `handle` is destroyed, so keep the handle no
// longer than what the callback reads.
//
// Names follow Prometheus' conventions: snake_case with the unit as suffix
// (`_seconds`, `_bytes`), counters ending in `_total`, prefix `churnwatch_`.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace churnwatch::core {

using LabelValues = std::vector<std::string>;

// Monotonically increasing value (requests, errors, predictions).
class Counter {
 public:
  // REQUIRES: amount >= 0 (a negative amount throws Invalid).
  void inc(double amount = 1.0);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// A value that goes up and down (queue depth, loaded model version).
class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void inc(double amount = 1.0) { value_.fetch_add(amount, std::memory_order_relaxed); }
  void dec(double amount = 1.0) { value_.fetch_add(-amount, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Observations counted into buckets by upper bound (latencies, durations).
class Histogram {
 public:
  // `bounds`: strictly increasing finite upper bounds; +Inf is implied.
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<std::uint64_t> cumulative;  // per bound, then +Inf (== count)
    double sum = 0;
    std::uint64_t count = 0;
  };
  Snapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // per bucket, non-cumulative; last: +Inf
  std::atomic<double> sum_{0.0};
};

// Prometheus' default latency buckets, 5 ms to 10 s.
std::vector<double> default_latency_buckets();
// `count` bounds: start, start*factor, start*factor^2, ...
std::vector<double> exponential_buckets(double start, double factor, int count);

enum class MetricType { kCounter, kGauge, kHistogram };

// A named metric and its children, one per combination of label values.
// Thread-safe.
template <typename Child>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names, MetricType type,
         std::vector<double> bounds = {});

  // The child for these label values (created at zero on first use). Throws
  // Invalid when the number of values differs from the label names.
  Child& with(const LabelValues& values);

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  MetricType type() const { return type_; }
  const std::vector<double>& bounds() const { return bounds_; }

  // Calls fn(values, child) for every child in label order, under the lock.
  template <typename Fn>
  void for_each(Fn&& fn) const {
    std::lock_guard lock(mutex_);
    for (const auto& [values, child] : children_) fn(values, *child);
  }

 private:
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  MetricType type_;
  std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::map<LabelValues, std::unique_ptr<Child>> children_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class MetricsRegistry;

// Keeps a collector registered; destroying (or resetting) it removes it.
class CollectorHandle {
 public:
  CollectorHandle() = default;
  CollectorHandle(MetricsRegistry* registry, std::uint64_t id) : registry_(registry), id_(id) {}
  CollectorHandle(CollectorHandle&& other) noexcept;
  CollectorHandle& operator=(CollectorHandle&& other) noexcept;
  CollectorHandle(const CollectorHandle&) = delete;
  CollectorHandle& operator=(const CollectorHandle&) = delete;
  ~CollectorHandle() { reset(); }
  void reset();

 private:
  MetricsRegistry* registry_ = nullptr;
  std::uint64_t id_ = 0;
};

class MetricsRegistry {
 public:
  // Register (or find) a family. Names must match [a-zA-Z_:][a-zA-Z0-9_:]*,
  // label names [a-zA-Z_][a-zA-Z0-9_]* (not starting with "__"; histograms
  // may not use "le"). Registering an existing name with another type, label
  // names or buckets throws Invalid; the same definition returns the family.
  CounterFamily& counter(const std::string& name, const std::string& help,
                         const std::vector<std::string>& label_names = {});
  GaugeFamily& gauge(const std::string& name, const std::string& help,
                     const std::vector<std::string>& label_names = {});
  HistogramFamily& histogram(const std::string& name, const std::string& help,
                             const std::vector<std::string>& label_names = {},
                             std::vector<double> bounds = default_latency_buckets());

  // `fn` runs before every render(), without the registry's lock held, so it
  // may register families and set values. It must not throw; a throwing
  // collector is skipped for that scrape.
  [[nodiscard]] CollectorHandle add_collector(std::function<void()> fn);

  // Every family, sorted by name, in text format 0.0.4 (HELP, TYPE, samples;
  // histograms as cumulative _bucket{le=...}, _sum, _count). Families with no
  // children yet and no labels show a zero sample; labelled ones show only
  // HELP and TYPE until a child exists.
  std::string render();

 private:
  friend class CollectorHandle;
  void remove_collector(std::uint64_t id);

  struct Entry {
    MetricType type;
    std::unique_ptr<CounterFamily> counter;
    std::unique_ptr<GaugeFamily> gauge;
    std::unique_ptr<HistogramFamily> histogram;
  };
  Entry& find_or_add(const std::string& name, const std::string& help,
                     const std::vector<std::string>& label_names, MetricType type,
                     const std::vector<double>& bounds);

  std::mutex mutex_;
  std::map<std::string, Entry> families_;
  std::mutex collectors_mutex_;
  std::map<std::uint64_t, std::function<void()>> collectors_;
  std::uint64_t next_collector_id_ = 1;
};

// The registry GET /metrics renders; every layer adds to it.
MetricsRegistry& default_metrics();

// The content type of render()'s output.
inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

// Text-format escaping: label values escape \ " and newline; HELP escapes \ and newline.
std::string escape_label_value(std::string_view value);
std::string escape_help(std::string_view help);
// A sample value as Prometheus writes it: shortest round-trip, +Inf, -Inf, NaN.
std::string format_metric_value(double value);

}  // namespace churnwatch::core
