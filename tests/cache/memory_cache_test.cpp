// What only the in-process LRU promises: its bounds.
#include <gtest/gtest.h>

#include "cache/cache_memory.hpp"

namespace churnwatch::cache {
namespace {

using namespace std::chrono_literals;

TEST(MemoryCache, EvictsTheLeastRecentlyUsedEntryWhenFull) {
  MemoryCache c({.max_entries = 3, .max_bytes = 1 << 20});
  c.set("a", "1", 60s);
  c.set("b", "2", 60s);
  c.set("c", "3", 60s);
  ASSERT_TRUE(c.get("a"));  // a is now the most recently used; b the least
  c.set("d", "4", 60s);
  EXPECT_EQ(c.size(), 3u);
  EXPECT_FALSE(c.get("b").has_value());
  EXPECT_EQ(c.get("a"), "1");
  EXPECT_EQ(c.get("c"), "3");
  EXPECT_EQ(c.get("d"), "4");
}

TEST(MemoryCache, StaysWithinItsByteBound) {
  MemoryCache c({.max_entries = 1000, .max_bytes = 10000});
  for (int i = 0; i < 100; ++i) c.set("key" + std::to_string(i), std::string(1000, 'v'), 60s);
  EXPECT_LE(c.bytes(), 10000u);
  EXPECT_GE(c.size(), 5u);
  EXPECT_EQ(c.get("key99"), std::string(1000, 'v'));
  EXPECT_FALSE(c.get("key0").has_value());
}

TEST(MemoryCache, DoesNotStoreAValueLargerThanAQuarterOfTheBound) {
  MemoryCache c({.max_entries = 1000, .max_bytes = 4000});
  c.set("small", "s", 60s);
  c.set("huge", std::string(2000, 'h'), 60s);
  EXPECT_FALSE(c.get("huge").has_value());
  EXPECT_EQ(c.get("small"), "s") << "one oversized value must not flush the rest";
}

TEST(MemoryCache, ReplacingAValueKeepsTheByteCountTrue) {
  MemoryCache c;
  c.set("k", std::string(100, 'a'), 60s);
  c.set("k", std::string(10, 'b'), 60s);
  EXPECT_EQ(c.bytes(), 11u);
  c.remove("k");
  EXPECT_EQ(c.bytes(), 0u);
  EXPECT_EQ(c.size(), 0u);
}

}  // namespace
}  // namespace churnwatch::cache
