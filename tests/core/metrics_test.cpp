// The metrics registry and its Prometheus text output, checked line by line
// against the 0.0.4 exposition format.
#include "core/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <thread>

#include "core/errors.hpp"

namespace churnwatch {
namespace {

using core::MetricsRegistry;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool has_line(const std::string& text, const std::string& line) {
  for (const auto& l : lines_of(text))
    if (l == line) return true;
  return false;
}

TEST(Metrics, CounterWithLabelsRendersHelpTypeAndSamples) {
  MetricsRegistry registry;
  auto& requests = registry.counter("app_requests_total", "Requests served.", {"route", "status"});
  requests.with({"/a", "200"}).inc();
  requests.with({"/a", "200"}).inc(2);
  requests.with({"/b", "404"}).inc();

  const std::string text = registry.render();
  EXPECT_EQ(text,
            "# HELP app_requests_total Requests served.\n"
            "# TYPE app_requests_total counter\n"
            "app_requests_total{route=\"/a\",status=\"200\"} 3\n"
            "app_requests_total{route=\"/b\",status=\"404\"} 1\n");
}

TEST(Metrics, UnlabelledMetricsShowZeroBeforeTheFirstEvent) {
  MetricsRegistry registry;
  registry.counter("app_things_total", "Things.");
  registry.gauge("app_level", "Level.");
  const std::string text = registry.render();
  EXPECT_TRUE(has_line(text, "app_things_total 0")) << text;
  EXPECT_TRUE(has_line(text, "app_level 0")) << text;
}

TEST(Metrics, LabelledFamilyWithoutChildrenShowsOnlyItsHeader) {
  MetricsRegistry registry;
  registry.counter("app_by_kind_total", "By kind.", {"kind"});
  EXPECT_EQ(registry.render(), "# HELP app_by_kind_total By kind.\n# TYPE app_by_kind_total counter\n");
}

TEST(Metrics, GaugeGoesUpAndDown) {
  MetricsRegistry registry;
  auto& gauge = registry.gauge("app_depth", "Depth.", {"queue"}).with({"jobs"});
  gauge.set(5);
  gauge.inc();
  gauge.dec(2.5);
  EXPECT_DOUBLE_EQ(gauge.value(), 3.5);
  EXPECT_TRUE(has_line(registry.render(), "app_depth{queue=\"jobs\"} 3.5"));
}

TEST(Metrics, CounterRefusesToGoDown) {
  MetricsRegistry registry;
  auto& counter = registry.counter("app_c_total", "C.").with({});
  EXPECT_THROW(counter.inc(-1), core::Invalid);
  EXPECT_DOUBLE_EQ(counter.value(), 0);
}

TEST(Metrics, HistogramBucketsAreCumulativeWithInclusiveUpperBounds) {
  MetricsRegistry registry;
  auto& h = registry.histogram("app_latency_seconds", "Latency.", {"route"}, {0.1, 0.5, 1});
  auto& child = h.with({"/x"});
  child.observe(0.05);
  child.observe(0.1);  // on a bound: counted in le="0.1"
  child.observe(0.3);
  child.observe(2);
  const std::string text = registry.render();
  EXPECT_EQ(text,
            "# HELP app_latency_seconds Latency.\n"
            "# TYPE app_latency_seconds histogram\n"
            "app_latency_seconds_bucket{route=\"/x\",le=\"0.1\"} 2\n"
            "app_latency_seconds_bucket{route=\"/x\",le=\"0.5\"} 3\n"
            "app_latency_seconds_bucket{route=\"/x\",le=\"1\"} 3\n"
            "app_latency_seconds_bucket{route=\"/x\",le=\"+Inf\"} 4\n"
            "app_latency_seconds_sum{route=\"/x\"} 2.45\n"
            "app_latency_seconds_count{route=\"/x\"} 4\n");
}

TEST(Metrics, UnlabelledHistogramHasOnlyTheLeLabel) {
  MetricsRegistry registry;
  registry.histogram("app_d_seconds", "D.", {}, {1}).with({}).observe(3);
  const std::string text = registry.render();
  EXPECT_TRUE(has_line(text, "app_d_seconds_bucket{le=\"1\"} 0")) << text;
  EXPECT_TRUE(has_line(text, "app_d_seconds_bucket{le=\"+Inf\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "app_d_seconds_sum 3")) << text;
  EXPECT_TRUE(has_line(text, "app_d_seconds_count 1")) << text;
}

TEST(Metrics, LabelValuesAndHelpAreEscaped) {
  MetricsRegistry registry;
  registry.counter("app_e_total", "Line one\nback\\slash \"quotes\" stay.", {"v"}).with({"a\"b\\c\nd"}).inc();
  const std::string text = registry.render();
  EXPECT_TRUE(has_line(text, "# HELP app_e_total Line one\\nback\\\\slash \"quotes\" stay.")) << text;
  EXPECT_TRUE(has_line(text, "app_e_total{v=\"a\\\"b\\\\c\\nd\"} 1")) << text;
}

TEST(Metrics, SpecialValuesUsePrometheusSpelling) {
  EXPECT_EQ(core::format_metric_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(core::format_metric_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(core::format_metric_value(std::nan("")), "NaN");
  EXPECT_EQ(core::format_metric_value(42), "42");
  EXPECT_EQ(core::format_metric_value(0.25), "0.25");
}

TEST(Metrics, FamiliesAreSortedByName) {
  MetricsRegistry registry;
  registry.counter("b_total", "B.");
  registry.counter("a_total", "A.");
  const auto text = registry.render();
  EXPECT_LT(text.find("a_total"), text.find("b_total"));
}

TEST(Metrics, SameDefinitionReturnsTheSameFamilyAndAConflictIsRefused) {
  MetricsRegistry registry;
  auto& first = registry.counter("app_x_total", "X.", {"a"});
  auto& again = registry.counter("app_x_total", "X.", {"a"});
  EXPECT_EQ(&first, &again);
  EXPECT_THROW(registry.gauge("app_x_total", "X.", {"a"}), core::Invalid);
  EXPECT_THROW(registry.counter("app_x_total", "X.", {"b"}), core::Invalid);
  registry.histogram("app_h", "H.", {}, {1, 2});
  EXPECT_THROW(registry.histogram("app_h", "H.", {}, {1, 3}), core::Invalid);
}

TEST(Metrics, BadNamesLabelsAndBucketsAreRefusedWithTheName) {
  MetricsRegistry registry;
  EXPECT_THROW(registry.counter("9lives", "."), core::Invalid);
  EXPECT_THROW(registry.counter("has-dash", "."), core::Invalid);
  EXPECT_THROW(registry.counter("ok_total", ".", {"__reserved"}), core::Invalid);
  EXPECT_THROW(registry.counter("ok_total", ".", {"bad-label"}), core::Invalid);
  EXPECT_THROW(registry.histogram("h", ".", {"le"}), core::Invalid);
  EXPECT_THROW(registry.histogram("h", ".", {}, {2, 1}), core::Invalid);
  try {
    registry.counter("c_total", ".", {"a"}).with({"x", "y"});
    FAIL() << "wrong number of label values accepted";
  } catch (const core::Invalid& e) {
    EXPECT_NE(std::string(e.what()).find("c_total"), std::string::npos) << e.what();
  }
}

TEST(Metrics, CollectorsRunBeforeEachRenderUntilTheirHandleGoes) {
  MetricsRegistry registry;
  auto& depth = registry.gauge("app_queue_depth", "Depth.");
  int calls = 0;
  {
    auto handle = registry.add_collector([&] { depth.with({}).set(++calls * 10); });
    EXPECT_TRUE(has_line(registry.render(), "app_queue_depth 10"));
    EXPECT_TRUE(has_line(registry.render(), "app_queue_depth 20"));
  }
  EXPECT_TRUE(has_line(registry.render(), "app_queue_depth 20"));
  EXPECT_EQ(calls, 2);
}

TEST(Metrics, AThrowingCollectorDoesNotBreakTheScrape) {
  MetricsRegistry registry;
  registry.counter("app_ok_total", "Ok.");
  auto handle = registry.add_collector([] { throw std::runtime_error("down"); });
  EXPECT_TRUE(has_line(registry.render(), "app_ok_total 0"));
}

TEST(Metrics, ConcurrentUpdatesLoseNothing) {
  MetricsRegistry registry;
  auto& counter = registry.counter("app_n_total", "N.", {"t"});
  auto& hist = registry.histogram("app_n_seconds", "N.", {"t"}, {0.5});
  constexpr int kThreads = 4, kEach = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        counter.with({std::to_string(i % 2)}).inc();
        hist.with({"all"}).observe(t % 2 ? 1.0 : 0.25);
      }
    });
  }
  std::thread scraper([&] {
    for (int i = 0; i < 50; ++i) registry.render();
  });
  for (auto& t : threads) t.join();
  scraper.join();
  EXPECT_DOUBLE_EQ(counter.with({"0"}).value() + counter.with({"1"}).value(), kThreads * kEach);
  const auto snap = hist.with({"all"}).snapshot();
  EXPECT_EQ(snap.count, static_cast<std::uint64_t>(kThreads * kEach));
  EXPECT_EQ(snap.cumulative[0], static_cast<std::uint64_t>(kThreads / 2 * kEach));
  EXPECT_DOUBLE_EQ(snap.sum, kThreads / 2 * kEach * 1.25);
}

TEST(Metrics, ExponentialBuckets) {
  EXPECT_EQ(core::exponential_buckets(0.1, 2, 4), (std::vector<double>{0.1, 0.2, 0.4, 0.8}));
  EXPECT_THROW(core::exponential_buckets(0, 2, 3), core::Invalid);
}

TEST(Metrics, DefaultRegistryIsOneForTheProcess) {
  EXPECT_EQ(&core::default_metrics(), &core::default_metrics());
}

}  // namespace
}  // namespace churnwatch
