// What only the SQLite store promises: URL forms, the file's journal mode and
// migration record, and how fast an import writes.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/errors.hpp"
#include "storage/migrations.hpp"
#include "storage/store.hpp"

namespace churnwatch::storage {
namespace {

namespace fs = std::filesystem;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("churnwatch-sqlite-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Runs a one-value query on the database file directly.
  static std::string scalar(const fs::path& file, const char* sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
  }

  fs::path dir_;
};

TEST_F(SqliteStoreTest, AbsoluteRelativeAndPlainPathsOpenTheSameKindOfStore) {
  auto abs = dir_ / "abs.db";
  open_store("sqlite://" + abs.string())->put_setting("k", "abs");
  EXPECT_TRUE(fs::exists(abs));
  EXPECT_EQ(open_store(abs.string())->get_setting("k"), "abs");

  auto cwd = fs::current_path();
  fs::current_path(dir_);
  open_store("sqlite://rel.db")->put_setting("k", "rel");
  fs::current_path(cwd);
  EXPECT_TRUE(fs::exists(dir_ / "rel.db"));
  EXPECT_EQ(open_store("sqlite://" + (dir_ / "rel.db").string())->get_setting("k"), "rel");
}

TEST_F(SqliteStoreTest, OtherSchemesAreInvalidWithAnExplanation) {
  try {
    open_store("redis://localhost");
    FAIL() << "redis:// opened";
  } catch (const core::Invalid& e) {
    EXPECT_EQ(std::string(e.what()),
              "unsupported database URL scheme 'redis'; use sqlite:// or postgresql://");
  }
  EXPECT_THROW(open_store("sqlite://"), core::Invalid);
}

TEST_F(SqliteStoreTest, UnopenableFileIsUnavailable) {
  EXPECT_THROW(open_store((dir_ / "missing-dir" / "x.db").string()), core::Unavailable);
  std::ofstream(dir_ / "garbage.db") << "this is not a database, just some text long enough";
  EXPECT_THROW(open_store((dir_ / "garbage.db").string()), core::Unavailable);
}

TEST_F(SqliteStoreTest, FileIsInWalModeWithMigrationsRecordedOnce) {
  auto file = dir_ / "m.db";
  open_store(file.string());
  open_store(file.string());  // reopening applies nothing new
  EXPECT_EQ(scalar(file, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(scalar(file, "SELECT COUNT(*) FROM schema_migrations"), std::to_string(migration_count()));
  EXPECT_EQ(scalar(file, "SELECT MAX(version) FROM schema_migrations"),
            std::to_string(latest_migration_version()));
  for (const char* table : {"customers", "dataset_schema", "users", "settings", "models",
                            "risk_history", "customer_risk"}) {
    std::string q = std::string("SELECT COUNT(*) FROM sqlite_master WHERE name = '") + table + "'";
    EXPECT_EQ(scalar(file, q.c_str()), "1") << table;
  }
}

// Prints put() throughput for bank-like rows (about 14 attributes, ~250 bytes
// of JSON). No assertion on time: it depends on the machine and build type.
TEST_F(SqliteStoreTest, ImportThroughput) {
  constexpr int kRows = 20000;
  std::mt19937 rng(42);
  const char* geos[] = {"France", "Spain", "Germany"};
  std::vector<core::Customer> rows(kRows);
  for (int i = 0; i < kRows; ++i) {
    auto& c = rows[i];
    c.external_id = std::to_string(15565701 + i);
    c.display_name = "Surname" + std::to_string(rng() % 3000);
    c.label = static_cast<int>(rng() % 5 == 0);
    c.attributes = {{"RowNumber", i + 1},
                    {"CustomerId", c.external_id},
                    {"Surname", c.display_name},
                    {"CreditScore", 350 + static_cast<int>(rng() % 500)},
                    {"Geography", geos[rng() % 3]},
                    {"Gender", rng() % 2 ? "Male" : "Female"},
                    {"Age", 18 + static_cast<int>(rng() % 70)},
                    {"Tenure", static_cast<int>(rng() % 11)},
                    {"Balance", (rng() % 25000000) / 100.0},
                    {"NumOfProducts", 1 + static_cast<int>(rng() % 4)},
                    {"HasCrCard", rng() % 2 == 0},
                    {"IsActiveMember", rng() % 2 == 0},
                    {"EstimatedSalary", (rng() % 20000000) / 100.0},
                    {"Exited", *c.label == 1}};
  }
  auto store = open_store((dir_ / "bench.db").string());
  auto start = std::chrono::steady_clock::now();
  {
    auto w = store->begin_write(WriteMode::kInsert);
    for (const auto& c : rows) w->put(c);
    w->commit();
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(store->count_customers(), kRows);
  std::printf("[ metric   ] put+commit of %d bank-like customers: %.3f s, %.0f rows/s (%zu bytes of JSON per row)\n",
              kRows, secs, kRows / secs, rows[0].attributes.dump().size());
}

// Prints append_risk throughput: two batch scorings of 10,000 customers (the
// second compares with the first). Asserts only a generous ceiling, far above
// what any build reaches, so a lost transaction or statement cache shows.
TEST_F(SqliteStoreTest, AppendRiskThroughput) {
  constexpr int kRows = 10000;
  auto store = open_store((dir_ / "risk.db").string());
  {
    auto w = store->begin_write(WriteMode::kInsert);
    for (int i = 0; i < kRows; ++i) {
      core::Customer c;
      c.external_id = std::to_string(15565701 + i);
      c.attributes = {{"CustomerId", c.external_id}, {"Age", 20 + i % 60}};
      w->put(c);
    }
    w->commit();
  }
  std::mt19937 rng(7);
  auto batch = [&](std::int64_t version) {
    std::vector<RiskRecord> records(kRows);
    for (int i = 0; i < kRows; ++i) {
      auto& r = records[i];
      r.customer_id = std::to_string(15565701 + i);
      r.model_version = version;
      r.probability = (rng() % 1000) / 1000.0;
      r.risk_level = r.probability >= 0.7 ? "high" : r.probability >= 0.3 ? "medium" : "low";
      r.reasons = nlohmann::json::array({{{"attribute", "Age"}, {"contribution", 0.25}},
                                         {{"attribute", "Balance"}, {"contribution", -0.1}}});
    }
    return records;
  };
  // Prints the rate; speed is shown by bench/, never asserted here.
  for (std::int64_t version : {1, 2}) {
    auto records = batch(version);
    auto start = std::chrono::steady_clock::now();
    store->append_risk(std::move(records));
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("[ metric   ] append_risk of %d records (model %lld): %.3f s, %.0f records/s\n",
                kRows, static_cast<long long>(version), secs, kRows / secs);
  }
  EXPECT_EQ(store->risk_summary(0.7, 1, 1).scored, kRows);
  EXPECT_EQ(store->risk_history("15565701", 0).size(), 2u);
  EXPECT_TRUE(store->current_risk("15565701")->previous_probability.has_value());
}

}  // namespace
}  // namespace churnwatch::storage
