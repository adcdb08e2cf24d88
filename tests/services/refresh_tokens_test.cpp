// Refresh tokens below the API: only hashes are stored, expiry, concurrent
// rotation of one token, and the audit helper never failing its caller.
#include "services/refresh_tokens.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "core/errors.hpp"
#include "services/audit.hpp"
#include "services/services_test_support.hpp"

namespace churnwatch::services {
namespace {

using churnwatch::services::testing::TempStore;

std::int64_t make_user(storage::Store& store) {
  return store.create_user({0, "rt-user", "hash", "viewer", true, "", ""}).id;
}

TEST(RefreshTokensTest, StoresOnlyTheHash) {
  TempStore store;
  RefreshTokens tokens(*store, 3600);
  auto issued = tokens.issue(make_user(*store));
  EXPECT_EQ(issued.token.size(), 64u);
  EXPECT_FALSE(store->find_refresh_token(issued.token).has_value());
  auto row = store->find_refresh_token(sha256_hex(issued.token));
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->token_hash.size(), 64u);
  EXPECT_NE(row->token_hash, issued.token);
}

TEST(RefreshTokensTest, AnExpiredTokenIsRefused) {
  TempStore store;
  RefreshTokens tokens(*store, 0);
  auto issued = tokens.issue(make_user(*store));
  try {
    tokens.rotate(issued.token);
    FAIL() << "an expired token rotated";
  } catch (const core::Unauthorized& e) {
    EXPECT_STREQ(e.what(), "refresh token expired");
  }
}

TEST(RefreshTokensTest, OfConcurrentRotationsOfOneTokenExactlyOneWins) {
  TempStore store;
  RefreshTokens tokens(*store, 3600);
  auto issued = tokens.issue(make_user(*store));
  std::atomic<int> won{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      try {
        tokens.rotate(issued.token);
        ++won;
      } catch (const core::Unauthorized&) {
        ++refused;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(won, 1);
  EXPECT_EQ(refused, 3);
}

TEST(AuditTest, RecordsAndListsEntries) {
  TempStore store;
  Audit audit(*store);
  audit.record({7, "ada", "10.0.0.5"}, "models.promote.post", "/api/v1/models/3/promote", {{"status", 200}});
  auto page = audit.list({});
  ASSERT_EQ(page.total, 1);
  EXPECT_EQ(page.items[0].actor_id, 7);
  EXPECT_EQ(page.items[0].action, "models.promote.post");
  EXPECT_EQ(page.items[0].details["status"], 200);
}

}  // namespace
}  // namespace churnwatch::services
