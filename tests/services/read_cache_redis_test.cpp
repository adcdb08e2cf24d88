// Two servers on one database and one Redis: a change committed through one
// server's store makes the other's cached reads stale at once, because the
// generation both key their entries by lives in Redis.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <sstream>

#include "cache/cache_redis.hpp"
#include "cache/redis_test_support.hpp"
#include "services/customer_io.hpp"
#include "services/demo_data.hpp"
#include "services/invalidating_store.hpp"
#include "services/read_cache.hpp"
#include "storage/store.hpp"

namespace churnwatch::services {
namespace {

// One server's view: its own store connection, Redis client and read cache.
struct Server {
  Server(const std::filesystem::path& db, const std::string& prefix)
      : database(storage::open_store(db.string())),
        cache(std::make_unique<cache::RedisCache>(std::make_shared<cache::RedisClient>([&] {
          auto o = cache::parse_redis_url(churnwatch::testing::test_redis_url());
          o.key_prefix = prefix;
          return o;
        }()))),
        reads(cache),
        store(*database, reads) {}

  // The customer count as a cached response; counts how often it is computed.
  std::string cached_count() {
    return reads.response("customers", "count", [this] {
      ++renders;
      return std::to_string(database->count_customers());
    });
  }

  std::unique_ptr<storage::Store> database;
  cache::ResilientCache cache;
  ReadCache reads;
  InvalidatingStore store;
  int renders = 0;
};

TEST(ReadCacheOnRedis, AChangeThroughOneServerIsSeenByTheOtherAtOnce) {
  if (churnwatch::testing::test_redis_url().empty()) GTEST_SKIP() << churnwatch::testing::kNoRedis;
  const auto dir = std::filesystem::temp_directory_path() / ("churnwatch-shared-cache-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string prefix = churnwatch::testing::unique_prefix("reads");
  {
    Server a(dir / "store.db", prefix), b(dir / "store.db", prefix);
    EXPECT_EQ(b.cached_count(), "0");
    EXPECT_EQ(b.cached_count(), "0");
    EXPECT_EQ(b.renders, 1) << "the second read is served from Redis";
    EXPECT_EQ(a.cached_count(), "0");
    EXPECT_EQ(a.renders, 0) << "server a reads what server b cached";

    std::stringstream csv;
    write_demo_csv(csv, 25, 3);
    import_csv(a.store, csv, {});  // through a's invalidating store

    EXPECT_EQ(b.cached_count(), "25") << "b must not serve its cached count after a's import";
    EXPECT_EQ(b.renders, 2);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace churnwatch::services
