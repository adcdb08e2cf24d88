#include "core/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>

#include "core/errors.hpp"

namespace churnwatch::core {

namespace {

bool valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!(alpha || (i > 0 && c >= '0' && c <= '9'))) return false;
  }
  return true;
}

bool valid_label_name(std::string_view name) {
  if (name.empty() || name.rfind("__", 0) == 0) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!(alpha || (i > 0 && c >= '0' && c <= '9'))) return false;
  }
  return true;
}

void check_bounds(const std::string& name, const std::vector<double>& bounds) {
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1]))
      throw Invalid("histogram " + name + ": bucket bounds must be finite and strictly increasing");
  }
}

const char* type_name(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// {a="x",b="y"} plus an optional extra label (le for buckets); empty when no labels.
std::string label_block(const std::vector<std::string>& names, const LabelValues& values,
                        std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    out += escape_label_value(values[i]);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
  return out;
}

template <typename Child>
void render_header(std::string& out, const Family<Child>& family) {
  out += "# HELP " + family.name() + ' ' + escape_help(family.help()) + '\n';
  out += "# TYPE " + family.name() + ' ' + type_name(family.type()) + '\n';
}

template <typename Child>
void render_scalar(std::string& out, Family<Child>& family) {
  render_header(out, family);
  // An unlabelled metric always exists, so a scrape sees 0 before the first event.
  if (family.label_names().empty()) family.with({});
  family.for_each([&](const LabelValues& values, const Child& child) {
    out += family.name() + label_block(family.label_names(), values) + ' ' +
           format_metric_value(child.value()) + '\n';
  });
}

void render_histogram(std::string& out, HistogramFamily& family) {
  render_header(out, family);
  if (family.label_names().empty()) family.with({});
  family.for_each([&](const LabelValues& values, const Histogram& child) {
    const auto snap = child.snapshot();
    for (std::size_t i = 0; i <= snap.bounds.size(); ++i) {
      const std::string le = i < snap.bounds.size() ? format_metric_value(snap.bounds[i]) : "+Inf";
      out += family.name() + "_bucket" + label_block(family.label_names(), values, "le", le) + ' ' +
             std::to_string(snap.cumulative[i]) + '\n';
    }
    const std::string labels = label_block(family.label_names(), values);
    out += family.name() + "_sum" + labels + ' ' + format_metric_value(snap.sum) + '\n';
    out += family.name() + "_count" + labels + ' ' + std::to_string(snap.count) + '\n';
  });
}

}  // namespace

void Counter::inc(double amount) {
  if (!(amount >= 0)) throw Invalid("a counter only goes up; got " + format_metric_value(amount));
  value_.fetch_add(amount, std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double value) {
  // Bucket i counts bounds[i-1] < value <= bounds[i] (le is inclusive); NaN lands in +Inf.
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  const std::size_t index =
      std::isnan(value) ? bounds_.size() : static_cast<std::size_t>(it - bounds_.begin());
  counts_[index].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot snap;
  snap.bounds = bounds_;
  snap.cumulative.resize(bounds_.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    snap.cumulative[i] = running;
  }
  snap.count = running;
  snap.sum = sum_.load(std::memory_order_relaxed);
  return snap;
}

std::vector<double> default_latency_buckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> exponential_buckets(double start, double factor, int count) {
  if (!(start > 0) || !(factor > 1) || count < 1)
    throw Invalid("exponential buckets need start > 0, factor > 1 and count >= 1");
  std::vector<double> bounds;
  double bound = start;
  for (int i = 0; i < count; ++i, bound *= factor) bounds.push_back(bound);
  return bounds;
}

template <typename Child>
Family<Child>::Family(std::string name, std::string help, std::vector<std::string> label_names,
                      MetricType type, std::vector<double> bounds)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      type_(type),
      bounds_(std::move(bounds)) {}

template <typename Child>
Child& Family<Child>::with(const LabelValues& values) {
  if (values.size() != label_names_.size())
    throw Invalid(
        fmt::format("metric {} takes {} label value(s), got {}", name_, label_names_.size(), values.size()));
  std::lock_guard lock(mutex_);
  auto& slot = children_[values];
  if (!slot) {
    if constexpr (std::is_same_v<Child, Histogram>)
      slot = std::make_unique<Histogram>(bounds_);
    else
      slot = std::make_unique<Child>();
  }
  return *slot;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

CollectorHandle::CollectorHandle(CollectorHandle&& other) noexcept
    : registry_(std::exchange(other.registry_, nullptr)), id_(other.id_) {}

CollectorHandle& CollectorHandle::operator=(CollectorHandle&& other) noexcept {
  if (this != &other) {
    reset();
    registry_ = std::exchange(other.registry_, nullptr);
    id_ = other.id_;
  }
  return *this;
}

void CollectorHandle::reset() {
  if (registry_) registry_->remove_collector(id_);
  registry_ = nullptr;
}

MetricsRegistry::Entry& MetricsRegistry::find_or_add(const std::string& name, const std::string& help,
                                                     const std::vector<std::string>& label_names,
                                                     MetricType type, const std::vector<double>& bounds) {
  if (!valid_metric_name(name)) throw Invalid("metric name '" + name + "' is not a valid Prometheus name");
  for (const auto& label : label_names) {
    if (!valid_label_name(label))
      throw Invalid("metric " + name + ": label name '" + label + "' is not a valid Prometheus label name");
    if (type == MetricType::kHistogram && label == "le")
      throw Invalid("histogram " + name + ": the label name 'le' is reserved for buckets");
  }
  if (type == MetricType::kHistogram) check_bounds(name, bounds);

  std::lock_guard lock(mutex_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    const Entry& entry = it->second;
    const std::vector<std::string>* existing_labels = nullptr;
    const std::vector<double>* existing_bounds = nullptr;
    if (entry.counter) existing_labels = &entry.counter->label_names();
    if (entry.gauge) existing_labels = &entry.gauge->label_names();
    if (entry.histogram) {
      existing_labels = &entry.histogram->label_names();
      existing_bounds = &entry.histogram->bounds();
    }
    if (entry.type != type || *existing_labels != label_names ||
        (existing_bounds && *existing_bounds != bounds))
      throw Invalid("metric " + name + " is already registered with another type, labels or buckets");
    return it->second;
  }
  Entry entry{type, nullptr, nullptr, nullptr};
  switch (type) {
    case MetricType::kCounter:
      entry.counter = std::make_unique<CounterFamily>(name, help, label_names, type);
      break;
    case MetricType::kGauge:
      entry.gauge = std::make_unique<GaugeFamily>(name, help, label_names, type);
      break;
    case MetricType::kHistogram:
      entry.histogram = std::make_unique<HistogramFamily>(name, help, label_names, type, bounds);
      break;
  }
  return families_.emplace(name, std::move(entry)).first->second;
}

CounterFamily& MetricsRegistry::counter(const std::string& name, const std::string& help,
                                        const std::vector<std::string>& label_names) {
  return *find_or_add(name, help, label_names, MetricType::kCounter, {}).counter;
}

GaugeFamily& MetricsRegistry::gauge(const std::string& name, const std::string& help,
                                    const std::vector<std::string>& label_names) {
  return *find_or_add(name, help, label_names, MetricType::kGauge, {}).gauge;
}

HistogramFamily& MetricsRegistry::histogram(const std::string& name, const std::string& help,
                                            const std::vector<std::string>& label_names,
                                            std::vector<double> bounds) {
  return *find_or_add(name, help, label_names, MetricType::kHistogram, bounds).histogram;
}

CollectorHandle MetricsRegistry::add_collector(std::function<void()> fn) {
  std::lock_guard lock(collectors_mutex_);
  const std::uint64_t id = next_collector_id_++;
  collectors_.emplace(id, std::move(fn));
  return CollectorHandle(this, id);
}

void MetricsRegistry::remove_collector(std::uint64_t id) {
  // Waits for a render in progress, so a collector never runs after its handle is gone.
  std::lock_guard lock(collectors_mutex_);
  collectors_.erase(id);
}

std::string MetricsRegistry::render() {
  {
    std::lock_guard lock(collectors_mutex_);
    for (auto& [id, fn] : collectors_) {
      try {
        fn();
      } catch (...) {
        // A broken collector must not take the other metrics down with it.
      }
    }
  }
  std::vector<Entry*> entries;
  {
    std::lock_guard lock(mutex_);
    for (auto& [name, entry] : families_) entries.push_back(&entry);  // entries are never removed
  }
  std::string out;
  for (Entry* entry : entries) {
    if (entry->counter) render_scalar(out, *entry->counter);
    if (entry->gauge) render_scalar(out, *entry->gauge);
    if (entry->histogram) render_histogram(out, *entry->histogram);
  }
  return out;
}

MetricsRegistry& default_metrics() {
  static MetricsRegistry* registry = new MetricsRegistry();  // never destroyed: used until exit
  return *registry;
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string escape_help(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string format_metric_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);
}

}  // namespace churnwatch::core
