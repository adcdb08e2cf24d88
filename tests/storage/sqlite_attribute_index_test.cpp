// SQLite's expression indexes on customer attributes: list filters and sorts
// use them, they follow every schema change, a failed import leaves them as
// they were, and lists return the same customers with them as without.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <set>

#include "storage/customer_sql.hpp"
#include "storage/sqlite_attribute_indexes.hpp"
#include "storage/store.hpp"

namespace churnwatch::storage {
namespace {

namespace fs = std::filesystem;
using core::AttrType;
using core::Role;

// Names that need care: an apostrophe and SQL inside the JSON path literal,
// and one with '"', which SQLite reads through json_each and cannot index.
const std::string kApostrophe = "Customer's segment";
const std::string kSqlLike = "x') OR 1=1 --";
const std::string kQuoted = "Weird \"quoted\" name";

core::DatasetSchema test_schema() {
  core::DatasetSchema s;
  s.attributes = {
      {"CustomerId", AttrType::kText, Role::kId},
      {"Surname", AttrType::kText, Role::kDisplay},
      {"Age", AttrType::kInteger, Role::kFeature},
      {"Balance", AttrType::kNumber, Role::kFeature},
      {"Geography", AttrType::kCategory, Role::kFeature, {"France", "Spain", "Germany"}},
      {"IsActiveMember", AttrType::kBoolean, Role::kFeature, {}, "1", "0"},
      {kApostrophe, AttrType::kText, Role::kFeature},
      {kSqlLike, AttrType::kInteger, Role::kFeature},
      {kQuoted, AttrType::kText, Role::kFeature},
      {"Exited", AttrType::kBoolean, Role::kLabel, {}, "1", "0"},
  };
  return s;
}

// Customers with repeated values (ties), missing attributes and JSON nulls.
std::vector<core::Customer> test_customers(int n) {
  std::mt19937 rng(17);
  const char* geos[] = {"France", "Spain", "Germany"};
  std::vector<core::Customer> out;
  for (int i = 0; i < n; ++i) {
    core::Customer c;
    c.external_id = "c" + std::to_string(1000 + i);
    c.display_name = "Name" + std::to_string(rng() % 50);
    c.attributes = {{"CustomerId", c.external_id},
                    {"Surname", c.display_name},
                    {"Age", 18 + static_cast<int>(rng() % 60)},
                    {"Geography", geos[rng() % 3]},
                    {"IsActiveMember", rng() % 2 == 0},
                    {kApostrophe, rng() % 2 ? "retail" : "private"},
                    {kSqlLike, static_cast<int>(rng() % 5)},
                    {kQuoted, rng() % 2 ? "a" : "b"}};
    if (rng() % 7) c.attributes["Balance"] = (rng() % 2000000) / 100.0;
    if (rng() % 11 == 0) c.attributes["Age"] = nullptr;
    if (rng() % 13 == 0) c.attributes.erase("Geography");
    out.push_back(std::move(c));
  }
  return out;
}

class SqliteAttributeIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("churnwatch-attr-index-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    file_ = dir_ / "store.db";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  static void write(Store& store, const std::vector<core::Customer>& customers,
                    const core::DatasetSchema* schema) {
    auto w = store.begin_write(WriteMode::kInsert);
    for (const auto& c : customers) w->put(c);
    if (schema) w->save_schema(*schema);
    w->commit();
  }

  // Runs `sql` on the database file through its own connection; one row per
  // result row, columns joined by '|'.
  std::vector<std::string> rows(const std::string& sql) const {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(file_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    std::vector<std::string> out;
    while (st && sqlite3_step(st) == SQLITE_ROW) {
      std::string row;
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        const unsigned char* text = sqlite3_column_text(st, i);
        row += (i ? "|" : "") + std::string(text ? reinterpret_cast<const char*>(text) : "NULL");
      }
      out.push_back(std::move(row));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
  }

  // Names of the attribute indexes on the customers table.
  std::set<std::string> attribute_indexes() const {
    std::set<std::string> out;
    for (auto& name : rows("SELECT name FROM sqlite_master WHERE type = 'index'"
                           " AND name LIKE 'customers!_attr!_%' ESCAPE '!'")) {
      out.insert(name);
    }
    return out;
  }

  static std::set<std::string> indexes_for(std::initializer_list<std::string> names) {
    std::set<std::string> out;
    for (const auto& n : names) out.insert(attribute_index_name(n));
    return out;
  }

  // SQLite's plan, one step a line, for the page query list_customers runs
  // for `q`, or with `count` for its total.
  std::string plan(const CustomerQuery& q, bool count = false) const {
    const SqlDialect d(Dialect::kSqlite);
    SqlParams params;
    std::string where = customer_where(q, d, params);
    std::string sql = "EXPLAIN QUERY PLAN SELECT ";
    if (count) {
      sql += std::string("COUNT(*)") + kCustomerFrom + where;
    } else {
      sql += kCustomerColumns + std::string(kCustomerFrom) + where + customer_order(q, d, params) +
             d.limit_offset(q.limit, q.offset, params);
    }
    std::string out;
    for (const auto& row : rows(sql)) out += row.substr(row.rfind('|') + 1) + "\n";
    return out;
  }

  fs::path dir_;
  fs::path file_;
};

TEST_F(SqliteAttributeIndexTest, FiltersAndSortsOnAttributesSearchTheirIndex) {
  auto store = open_store(file_.string());
  auto schema = test_schema();
  write(*store, test_customers(200), &schema);

  auto uses = [](const std::string& attribute) { return "USING INDEX " + attribute_index_name(attribute); };
  // A range: the total counts through the index. The page may instead walk
  // the id index in the requested order and stop after `limit` matches,
  // which the planner rightly prefers while the range is not narrow.
  CustomerQuery q;
  q.filters = {{"Age", FilterOp::kGte, {40}}};
  std::string p = plan(q, true);
  EXPECT_NE(p.find("SEARCH customers " + uses("Age")), std::string::npos) << p;
  q.sort_by = "Age";
  p = plan(q);
  EXPECT_NE(p.find("SEARCH customers " + uses("Age")), std::string::npos) << p;
  q.sort_by.clear();

  q.filters = {{"Geography", FilterOp::kEq, {"Germany"}}};
  for (bool count : {false, true}) {
    p = plan(q, count);
    EXPECT_NE(p.find("SEARCH customers " + uses("Geography")), std::string::npos) << p;
  }

  q.filters = {{"Geography", FilterOp::kIn, {"Germany", "Spain"}}};
  p = plan(q);
  EXPECT_NE(p.find("SEARCH customers " + uses("Geography")), std::string::npos) << p;

  q.filters = {{kApostrophe, FilterOp::kEq, {"retail"}}};
  p = plan(q);
  EXPECT_NE(p.find("SEARCH customers " + uses(kApostrophe)), std::string::npos) << p;

  // A sort walks the index in order instead of sorting the whole table; only
  // ties on the attribute are sorted by id.
  for (bool descending : {false, true}) {
    CustomerQuery sorted;
    sorted.sort_by = "Balance";
    sorted.descending = descending;
    p = plan(sorted);
    EXPECT_NE(p.find("SCAN customers " + uses("Balance")), std::string::npos) << p;
    EXPECT_EQ(p.find("USE TEMP B-TREE FOR ORDER BY"), std::string::npos) << p;
  }

  // The name holding '"' is read through json_each: no index, a full scan.
  q.filters = {{kQuoted, FilterOp::kEq, {"a"}}};
  p = plan(q, true);
  EXPECT_NE(p.find("SCAN customers"), std::string::npos) << p;
}

TEST_F(SqliteAttributeIndexTest, ListsReturnTheSameCustomersWithIndexesAsWithout) {
  const auto customers = test_customers(300);
  auto schema = test_schema();
  auto indexed = open_store(file_.string());
  write(*indexed, customers, &schema);
  ASSERT_FALSE(attribute_indexes().empty());
  auto plain = open_store((dir_ / "plain.db").string());
  write(*plain, customers, nullptr);  // no schema: no attribute indexes

  std::vector<CustomerQuery> queries;
  auto add = [&](std::vector<Filter> filters, std::string sort_by = "", bool descending = false,
                 std::int64_t limit = 0, std::int64_t offset = 0) {
    CustomerQuery q;
    q.filters = std::move(filters);
    q.sort_by = std::move(sort_by);
    q.descending = descending;
    q.limit = limit;
    q.offset = offset;
    queries.push_back(std::move(q));
  };
  add({{"Age", FilterOp::kGte, {40}}});
  add({{"Age", FilterOp::kLt, {30.5}}}, "Age", true);
  add({{"Age", FilterOp::kEq, {42}}});
  add({{"Age", FilterOp::kNe, {42}}}, "Age");
  add({{"Balance", FilterOp::kGt, {5000}}, {"Geography", FilterOp::kEq, {"Germany"}}}, "Balance", true, 20);
  add({{"Geography", FilterOp::kIn, {"France", "Spain"}}}, "Geography", false, 25, 50);
  add({{"Geography", FilterOp::kContains, {"an"}}});
  add({{"IsActiveMember", FilterOp::kEq, {true}}}, "Balance");
  add({{kApostrophe, FilterOp::kEq, {"retail"}}}, kApostrophe, true);
  add({{kSqlLike, FilterOp::kLte, {2}}}, kSqlLike);
  add({{kQuoted, FilterOp::kEq, {"b"}}}, kQuoted, true);
  for (bool descending : {false, true}) {
    for (const char* attr : {"Age", "Balance", "Geography", "IsActiveMember"}) {
      add({}, attr, descending, 30, 10);
    }
  }
  for (const auto& q : queries) {
    auto a = indexed->list_customers(q);
    auto b = plain->list_customers(q);
    std::string what = q.sort_by + (q.filters.empty() ? "" : " filtered on " + q.filters[0].attribute);
    EXPECT_EQ(a.total, b.total) << what;
    ASSERT_EQ(a.items.size(), b.items.size()) << what;
    for (std::size_t i = 0; i < a.items.size(); ++i) {
      EXPECT_EQ(a.items[i].external_id, b.items[i].external_id) << what << " at " << i;
    }
  }
  // The SQL-looking name is a path, not SQL: it filters on its own values.
  CustomerQuery q;
  q.filters = {{kSqlLike, FilterOp::kEq, {9}}};
  EXPECT_EQ(indexed->list_customers(q).total, 0);
}

TEST_F(SqliteAttributeIndexTest, IndexesFollowEverySchemaChange) {
  auto store = open_store(file_.string());
  EXPECT_TRUE(attribute_indexes().empty());
  auto schema = test_schema();
  write(*store, test_customers(20), &schema);
  EXPECT_EQ(attribute_indexes(), indexes_for({"CustomerId", "Surname", "Age", "Balance", "Geography",
                                              "IsActiveMember", kApostrophe, kSqlLike, "Exited"}));

  // Balance and the odd names go, Tenure comes, Age turns into a number.
  core::DatasetSchema next;
  next.attributes = {{"CustomerId", AttrType::kText, Role::kId},
                     {"Surname", AttrType::kText, Role::kDisplay},
                     {"Age", AttrType::kNumber, Role::kFeature},
                     {"Geography", AttrType::kCategory, Role::kFeature, {"France", "Spain", "Germany"}},
                     {"IsActiveMember", AttrType::kBoolean, Role::kFeature, {}, "1", "0"},
                     {"Tenure", AttrType::kInteger, Role::kFeature},
                     {"Exited", AttrType::kBoolean, Role::kLabel, {}, "1", "0"}};
  write(*store, {}, &next);
  EXPECT_EQ(attribute_indexes(),
            indexes_for({"CustomerId", "Surname", "Age", "Geography", "IsActiveMember", "Tenure", "Exited"}));
  // A replacing import without a schema of its own rebuilds the same set.
  {
    auto w = store->begin_write(WriteMode::kReplace);
    for (const auto& c : test_customers(30)) w->put(c);
    w->commit();
  }
  EXPECT_EQ(store->count_customers(), 30);
  EXPECT_EQ(attribute_indexes(),
            indexes_for({"CustomerId", "Surname", "Age", "Geography", "IsActiveMember", "Tenure", "Exited"}));
  CustomerQuery q;
  q.filters = {{"Tenure", FilterOp::kEq, {3}}};
  EXPECT_NE(plan(q).find("USING INDEX " + attribute_index_name("Tenure")), std::string::npos) << plan(q);
  q.filters = {{"Balance", FilterOp::kGt, {1}}};
  EXPECT_NE(plan(q).find("SCAN customers"), std::string::npos) << plan(q);

  // Each index is on its own attribute's expression.
  for (const auto& row :
       rows("SELECT name, sql FROM sqlite_master WHERE name = '" + attribute_index_name("Tenure") + "'")) {
    EXPECT_NE(row.find("json_extract(attributes, '$.\"Tenure\"')"), std::string::npos) << row;
  }
}

TEST_F(SqliteAttributeIndexTest, AFailedImportLeavesIndexesAndDataAsTheyWere) {
  auto store = open_store(file_.string());
  auto schema = test_schema();
  write(*store, test_customers(20), &schema);
  const auto before = attribute_indexes();
  {
    core::DatasetSchema other;
    other.attributes = {{"CustomerId", AttrType::kText, Role::kId},
                        {"Score", AttrType::kNumber, Role::kFeature}};
    auto w = store->begin_write(WriteMode::kReplace);
    core::Customer c;
    c.external_id = "new";
    c.attributes = {{"CustomerId", "new"}, {"Score", 1.5}};
    w->put(c);
    w->save_schema(other);
    // Destroyed without commit, as when a row fails after the schema is saved.
  }
  EXPECT_EQ(attribute_indexes(), before);
  EXPECT_EQ(store->current_schema()->version, 1);
  EXPECT_EQ(store->count_customers(), 20);
}

TEST_F(SqliteAttributeIndexTest, OpeningADatabaseWithoutTheIndexesCreatesThem) {
  auto schema = test_schema();
  write(*open_store(file_.string()), test_customers(20), &schema);
  const auto wanted = attribute_indexes();
  ASSERT_EQ(wanted.size(), 9u);
  // As a database written before the indexes existed: the schema, none of them.
  for (const auto& name : wanted) rows("DROP INDEX " + name);
  rows("CREATE INDEX " + attribute_index_name("Gone") +
       " ON customers (json_extract(attributes, '$.\"Gone\"'))");
  ASSERT_EQ(attribute_indexes(), indexes_for({"Gone"}));

  auto store = open_store(file_.string());
  EXPECT_EQ(attribute_indexes(), wanted);
  EXPECT_EQ(store->count_customers(), 20);
}

}  // namespace
}  // namespace churnwatch::storage
