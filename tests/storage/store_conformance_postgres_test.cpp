// The Store conformance suite on PostgreSQL (every TEST_P of StoreConformance
// in this program), plus what only the PostgreSQL store promises: URL
// handling, recovering from a server restart, and how fast an import writes.
// Needs a server (see support/postgres_test_db.hpp); each test gets a
// database of its own.
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "core/errors.hpp"
#include "storage/store_conformance.hpp"
#include "support/postgres_test_db.hpp"

namespace churnwatch::storage::testing {
namespace {

using test_support::fresh_postgres_database;
using test_support::kPostgresSkipMessage;
using test_support::postgres_admin_url;

StoreBackend postgres_backend() {
  return {"Postgres", [](const std::filesystem::path&) { return fresh_postgres_database(); },
          kPostgresSkipMessage};
}

// The replica instance reads lists, walks and summaries through a second
// pool on the same database: the routing must not change any result.
StoreBackend postgres_with_replica_backend() {
  StoreBackend b = postgres_backend();
  b.name = "PostgresWithReplica";
  b.replica_url = [](const std::string& url) { return url; };
  return b;
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Postgres, StoreConformance,
                         ::testing::Values(postgres_backend(), postgres_with_replica_backend()),
                         backend_name);

namespace {

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!postgres_admin_url()) GTEST_SKIP() << kPostgresSkipMessage;
    url_ = fresh_postgres_database();
  }

  static core::Customer customer(const std::string& id, int age) {
    core::Customer c;
    c.external_id = id;
    c.display_name = "Name " + id;
    c.attributes = {{"CustomerId", id}, {"Age", age}, {"Balance", age * 10.5},
                    {"Geography", "France"}, {"IsActiveMember", age % 2 == 0}};
    return c;
  }

  std::string url_;
};

TEST_F(PostgresStoreTest, BothSchemesAndThePoolParameterOpenTheSameDatabase) {
  open_store(url_ + "?pool=2")->put_setting("k", "v");
  std::string other = "postgres://" + url_.substr(url_.find("://") + 3);
  EXPECT_EQ(open_store(other)->get_setting("k"), "v");
  EXPECT_THROW(open_store(url_ + "?pool=0"), core::Invalid);
  EXPECT_THROW(open_store(url_ + "?pool=many"), core::Invalid);
  EXPECT_THROW(open_store("postgresql://host/db?nosuchparameter=1"), core::Invalid);
  EXPECT_THROW(open_store("postgresql://127.0.0.1:1/nothing?connect_timeout=2"), core::Unavailable);
}

TEST_F(PostgresStoreTest, StoreKeepsWorkingAfterTheServerRestarts) {
  // A server of its own: restarting the shared one would break other tests.
  test_support::PrivatePostgres server;
  ASSERT_FALSE(server.url().empty()) << "the private PostgreSQL did not start";
  auto store = open_store(server.url() + "?pool=3");
  {
    auto w = store->begin_write(WriteMode::kInsert);
    w->put(customer("c1", 30));
    w->commit();
  }
  // Every pooled session and the write session have been used once.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(store->count_customers(), 1);

  ASSERT_TRUE(server.pg_ctl("restart"));

  EXPECT_NO_THROW(store->ping());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(store->count_customers(), 1);
  EXPECT_EQ(store->find_customer("c1")->attributes["Age"], 30);
  {
    auto w = store->begin_write(WriteMode::kInsert);
    EXPECT_EQ(w->put(customer("c2", 40)), PutOutcome::kCreated);
    w->commit();
  }
  store->append_risk({{"c2", 1, 0.7, "high"}});
  EXPECT_EQ(store->count_customers(), 2);
  EXPECT_DOUBLE_EQ(store->current_risk("c2")->probability, 0.7);
}

TEST_F(PostgresStoreTest, ImportThroughputIsReported) {
  constexpr int kRows = 20000;
  std::vector<core::Customer> rows;
  for (int i = 0; i < kRows; ++i) rows.push_back(customer("id" + std::to_string(i), 18 + i % 70));
  auto store = open_store(url_);
  auto start = std::chrono::steady_clock::now();
  {
    auto w = store->begin_write(WriteMode::kInsert);
    for (const auto& c : rows) ASSERT_EQ(w->put(c), PutOutcome::kCreated);
    w->commit();
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("[ info     ] imported %d customers in %.2f s (%.0f rows/s)\n", kRows, seconds,
              kRows / seconds);
  EXPECT_EQ(store->count_customers(), kRows);
  CustomerQuery q;
  q.filters = {{"Age", FilterOp::kEq, {20}}};
  q.limit = 0;
  EXPECT_EQ(store->list_customers(q).total, kRows / 70 + (kRows % 70 > 2 ? 1 : 0));
}

TEST_F(PostgresStoreTest, HeavyReadsGoToTheReplicaAndOtherReadsToThePrimary) {
  // A second database stands in for a replica; its content differs from the
  // primary's so the test sees which one answered.
  const std::string replica = fresh_postgres_database();
  {
    auto replica_store = open_store(replica);
    auto w = replica_store->begin_write(WriteMode::kInsert);
    w->put(customer("on-replica", 50));
    w->commit();
  }
  auto store = open_store(url_, replica);
  {
    auto w = store->begin_write(WriteMode::kInsert);
    w->put(customer("on-primary", 40));
    w->commit();
  }
  CustomerQuery q;
  auto page = store->list_customers(q);
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].external_id, "on-replica") << "lists read the replica";
  std::vector<std::string> walked;
  store->for_each_customer(q, [&](const core::Customer& c) { walked.push_back(c.external_id); });
  EXPECT_EQ(walked, std::vector<std::string>{"on-replica"}) << "exports read the replica";
  EXPECT_TRUE(store->find_customer("on-primary")) << "single reads stay on the primary";
  EXPECT_EQ(store->count_customers(), 1);
  EXPECT_FALSE(store->find_customer("on-replica"));
}

TEST_F(PostgresStoreTest, UnreachableReplicaFallsBackToThePrimary) {
  // Nothing listens on port 1: the replica is down from the start.
  auto store = open_store(url_, "postgresql://127.0.0.1:1/nothing?connect_timeout=2");
  {
    auto w = store->begin_write(WriteMode::kInsert);
    w->put(customer("c1", 40));
    w->commit();
  }
  CustomerQuery q;
  auto page = store->list_customers(q);
  ASSERT_EQ(page.total, 1);
  EXPECT_EQ(page.items[0].external_id, "c1");
  int walked = 0;
  store->for_each_customer(q, [&](const core::Customer&) { ++walked; });
  EXPECT_EQ(walked, 1);
  EXPECT_EQ(store->risk_summary(0.5, 10, 7).scored, 0);
  EXPECT_THROW(open_store(url_, "sqlite:///tmp/x.db"), core::Invalid);
  EXPECT_THROW(open_store("sqlite:///tmp/never-created-by-this-test.db", url_), core::Invalid);
}

}  // namespace
}  // namespace churnwatch::storage::testing
