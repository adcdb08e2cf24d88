// The behaviour every Cache must show, as a parameterised suite: a backend
// instantiates it with a factory (see cache_conformance_test.cpp).
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cache/cache.hpp"

namespace churnwatch::test_support {

struct CacheBackend {
  std::string name;
  // Opens a cache whose keys and generations no other test sees; nullptr
  // when the backend is not available here (the test is skipped).
  std::function<std::unique_ptr<cache::Cache>()> open;
};

inline std::ostream& operator<<(std::ostream& os, const CacheBackend& b) { return os << b.name; }

class CacheConformance : public ::testing::TestWithParam<CacheBackend> {
 protected:
  void SetUp() override {
    cache_ = GetParam().open();
    if (!cache_) GTEST_SKIP() << GetParam().name << " is not available (see scripts/test-services.sh)";
  }
  std::unique_ptr<cache::Cache> cache_;
};

using namespace std::chrono_literals;

TEST_P(CacheConformance, StoresReplacesAndRemovesValues) {
  EXPECT_FALSE(cache_->get("a").has_value());
  cache_->set("a", "one", 60s);
  EXPECT_EQ(cache_->get("a"), "one");
  cache_->set("a", "two", 60s);
  EXPECT_EQ(cache_->get("a"), "two");
  cache_->remove("a");
  EXPECT_FALSE(cache_->get("a").has_value());
  EXPECT_NO_THROW(cache_->remove("never-set"));
}

TEST_P(CacheConformance, ValuesAreBytes) {
  const std::string value("\0\xff\xfe{\"json\": true}\r\n", 19);
  cache_->set("bin", value, 60s);
  EXPECT_EQ(cache_->get("bin"), value);
  cache_->set("empty", "", 60s);
  EXPECT_EQ(cache_->get("empty"), "");
}

TEST_P(CacheConformance, EntriesExpireAfterTheirTtl) {
  cache_->set("short", "x", 200ms);
  cache_->set("long", "y", 600s);
  cache_->set("forever", "z", 0ms);
  // Expiry is checked by waiting for it, with a deadline a slow machine meets.
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (cache_->get("short") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(cache_->get("short").has_value()) << "an entry with a 200 ms TTL was still there after 15 s";
  EXPECT_EQ(cache_->get("long"), "y");
  EXPECT_EQ(cache_->get("forever"), "z");
}

TEST_P(CacheConformance, GenerationsStartAtZeroAndOnlyGoUp) {
  EXPECT_EQ(cache_->generation("customers"), 0u);
  EXPECT_EQ(cache_->bump("customers"), 1u);
  EXPECT_EQ(cache_->bump("customers"), 2u);
  EXPECT_EQ(cache_->generation("customers"), 2u);
  EXPECT_EQ(cache_->generation("models"), 0u) << "namespaces are independent";
}

TEST_P(CacheConformance, GenerationsSurviveManyEntries) {
  cache_->bump("ns");
  // Values may be evicted; a generation must not be, or old entries would
  // become current again.
  for (int i = 0; i < 2000; ++i) cache_->set("fill-" + std::to_string(i), std::string(512, 'x'), 60s);
  EXPECT_EQ(cache_->generation("ns"), 1u);
}

TEST_P(CacheConformance, ConcurrentBumpsAreNotLost) {
  constexpr int kThreads = 4, kBumps = 100;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kBumps; ++i) cache_->bump("shared");
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(cache_->generation("shared"), std::uint64_t(kThreads * kBumps));
}

TEST_P(CacheConformance, ConcurrentReadersSeeWholeValues) {
  std::atomic<int> torn{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const std::string key = "k" + std::to_string(i % 10);
        cache_->set(key, std::string(100 + t, char('a' + t)), 60s);
        if (auto v = cache_->get(key); v && v->find_first_not_of((*v)[0]) != std::string::npos) ++torn;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(torn.load(), 0);
}

TEST_P(CacheConformance, PingDescribesTheBackend) { EXPECT_FALSE(cache_->ping().empty()); }

}  // namespace churnwatch::test_support
