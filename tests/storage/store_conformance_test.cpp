// Store conformance: opening, migrations, schema versions and the write path.
// Query, account and concurrency cases are in the sibling
// store_conformance_*_test.cpp files; all run for every backend instantiated
// here or in a backend's own test file.
#include <map>

#include "storage/store_conformance.hpp"


namespace churnwatch::storage::testing {
namespace {

StoreBackend sqlite_backend() {
  return {"Sqlite", [](const std::filesystem::path& scratch) {
            return "sqlite://" + (scratch / "churnwatch.db").string();
          }};
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformance, ::testing::Values(sqlite_backend()),
                         backend_name);

TEST_P(StoreConformance, FreshStoreIsEmptyAndReachable) {
  EXPECT_NO_THROW(store().ping());
  EXPECT_EQ(store().count_customers(), 0);
  EXPECT_FALSE(store().current_schema().has_value());
  EXPECT_TRUE(store().list_users().empty());
  EXPECT_EQ(store().list_customers({}).total, 0);
}

TEST_P(StoreConformance, ReopeningKeepsEverythingAndMigratesNothingTwice) {
  {
    auto w = store().begin_write(WriteMode::kInsert);
    w->save_schema(bank_schema());
    w->put(customer("c1", "Hargrave", 42, 1000.5, "France", true, 1));
    w->commit();
  }
  store().create_user({0, "ada", "hash", "admin", true, "", ""});
  store().put_setting("theme", "dark");

  Store& again = reopen();
  EXPECT_EQ(again.count_customers(), 1);
  ASSERT_TRUE(again.current_schema().has_value());
  EXPECT_EQ(again.current_schema()->version, 1);
  EXPECT_TRUE(again.find_user("ada").has_value());
  EXPECT_EQ(again.get_setting("theme"), "dark");
  // A third open of an up-to-date database still works and changes nothing.
  EXPECT_EQ(reopen().count_customers(), 1);
}

TEST_P(StoreConformance, SchemaVersionsCountUpAndOnlyCommittedOnesCount) {
  core::DatasetSchema first = bank_schema();
  {
    auto w = store().begin_write(WriteMode::kInsert);
    EXPECT_EQ(w->save_schema(first).version, 1);
    w->commit();
  }
  core::DatasetSchema second = bank_schema();
  second.attributes.push_back({"Tenure", core::AttrType::kInteger, core::Role::kFeature});
  {
    auto w = store().begin_write(WriteMode::kUpsert);
    EXPECT_EQ(w->save_schema(second).version, 2);
    w->commit();
  }
  {
    auto w = store().begin_write(WriteMode::kUpsert);
    EXPECT_EQ(w->save_schema(first).version, 3);
    // destroyed without commit: version 3 never existed
  }
  auto current = store().current_schema();
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->version, 2);
  ASSERT_EQ(current->attributes.size(), second.attributes.size());
  EXPECT_EQ(current->attributes.back().name, "Tenure");
  EXPECT_EQ(current->find("Geography")->categories,
            (std::vector<std::string>{"France", "Spain", "Germany"}));
  EXPECT_EQ(current->find("IsActiveMember")->true_text, "1");
}

TEST_P(StoreConformance, PutThenFindReturnsWhatWasStored) {
  seed({customer("c1", "Hargrave", 42, 1000.5, "France", true, 1),
        customer("c2", "Onio", 30, 0, "Spain", false)});
  auto c1 = store().find_customer("c1");
  ASSERT_TRUE(c1.has_value());
  EXPECT_EQ(c1->external_id, "c1");
  EXPECT_EQ(c1->display_name, "Hargrave");
  EXPECT_EQ(c1->label, 1);
  EXPECT_EQ(c1->attributes["Age"], 42);
  EXPECT_TRUE(c1->attributes["Age"].is_number_integer());
  EXPECT_DOUBLE_EQ(c1->attributes["Balance"].get<double>(), 1000.5);
  EXPECT_EQ(c1->attributes["IsActiveMember"], true);
  EXPECT_FALSE(c1->created_at.empty());
  EXPECT_EQ(c1->created_at, c1->updated_at);
  EXPECT_GT(c1->row_id, 0);

  auto c2 = store().find_customer("c2");
  ASSERT_TRUE(c2.has_value());
  EXPECT_FALSE(c2->label.has_value());
  EXPECT_FALSE(store().find_customer("nobody").has_value());
  EXPECT_EQ(store().count_customers(), 2);
}

TEST_P(StoreConformance, InsertReportsDuplicatesAndKeepsGoing) {
  seed({customer("c1", "Hargrave", 42, 1000.5, "France", true)});
  auto w = store().begin_write(WriteMode::kInsert);
  EXPECT_EQ(w->put(customer("c1", "Impostor", 99, 1, "Spain", false)), PutOutcome::kDuplicate);
  EXPECT_EQ(w->put(customer("c2", "Onio", 30, 0, "Spain", false)), PutOutcome::kCreated);
  EXPECT_EQ(w->put(customer("c2", "Onio again", 31, 0, "Spain", false)), PutOutcome::kDuplicate);
  w->commit();
  EXPECT_EQ(store().count_customers(), 2);
  EXPECT_EQ(store().find_customer("c1")->display_name, "Hargrave");
  EXPECT_EQ(store().find_customer("c2")->attributes["Age"], 30);
}

TEST_P(StoreConformance, UpsertUpdatesExistingCustomers) {
  seed({customer("c1", "Hargrave", 42, 1000.5, "France", true)});
  auto before = *store().find_customer("c1");
  auto w = store().begin_write(WriteMode::kUpsert);
  EXPECT_EQ(w->put(customer("c1", "Hargrave-Smith", 43, 2000, "Germany", false, 0)),
            PutOutcome::kUpdated);
  EXPECT_EQ(w->put(customer("c2", "Onio", 30, 0, "Spain", false)), PutOutcome::kCreated);
  w->commit();
  auto after = *store().find_customer("c1");
  EXPECT_EQ(after.display_name, "Hargrave-Smith");
  EXPECT_EQ(after.label, 0);
  EXPECT_EQ(after.attributes["Geography"], "Germany");
  EXPECT_EQ(after.row_id, before.row_id);
  EXPECT_EQ(after.created_at, before.created_at);
  EXPECT_GE(after.updated_at, before.updated_at);
  EXPECT_EQ(store().count_customers(), 2);
}

// Thousands of rows in one writer, as an import writes them: outcomes,
// updates, removals and the order of rows must be those of a small write
// (a backend may switch to a bulk path past some number of rows).
TEST_P(StoreConformance, LargeWritesKeepEveryOutcomeAndTheOrderOfRows) {
  constexpr int kRows = 3000;
  seed({customer("old-1", "Old", 50, 1, "France", true),
        customer("old-2", "Old", 60, 2, "Spain", false)});
  const auto old1 = *store().find_customer("old-1");
  auto name = [](int i) { return "n" + std::to_string(100000 + i); };
  {
    auto w = store().begin_write(WriteMode::kUpsert);
    for (int i = 0; i < kRows; ++i) {
      ASSERT_EQ(w->put(customer(name(i), "Tab\tLine\nSlash\\ " + std::to_string(i), 20 + i % 50,
                                i * 0.5, "Germany", i % 2 == 0, i % 2)),
                PutOutcome::kCreated)
          << i;
    }
    EXPECT_EQ(w->put(customer("old-1", "Renamed", 51, 1, "France", true)), PutOutcome::kUpdated);
    EXPECT_EQ(w->put(customer(name(7), "Seven again", 77, 7, "Spain", false)),
              PutOutcome::kUpdated);
    EXPECT_EQ(w->put(customer(name(7), "Seven last", 78, 7, "Spain", false)),
              PutOutcome::kUpdated);
    EXPECT_TRUE(w->remove(name(9)));
    EXPECT_FALSE(w->remove("never-there"));
    EXPECT_EQ(w->put(customer(name(9), "Nine back", 99, 9, "Spain", false)),
              PutOutcome::kCreated);
    EXPECT_TRUE(w->remove("old-2"));
    w->commit();
  }
  EXPECT_EQ(store().count_customers(), kRows + 1);
  auto renamed = *store().find_customer("old-1");
  EXPECT_EQ(renamed.display_name, "Renamed");
  EXPECT_EQ(renamed.row_id, old1.row_id);
  EXPECT_EQ(renamed.created_at, old1.created_at);
  EXPECT_FALSE(store().find_customer("old-2"));
  auto seven = *store().find_customer(name(7));
  EXPECT_EQ(seven.display_name, "Seven last");
  EXPECT_EQ(seven.attributes["Age"], 78);
  EXPECT_EQ(store().find_customer(name(9))->display_name, "Nine back");
  auto odd = *store().find_customer(name(11));
  EXPECT_EQ(odd.display_name, "Tab\tLine\nSlash\\ 11");
  EXPECT_EQ(odd.label, 1);
  EXPECT_EQ(odd.attributes["Balance"], 5.5);
  EXPECT_EQ(odd.attributes["IsActiveMember"], false);

  // Row ids follow the order rows were first put in.
  CustomerQuery q;
  q.limit = 0;
  auto page = store().list_customers(q);
  ASSERT_EQ(page.items.size(), static_cast<std::size_t>(kRows + 1));
  std::map<std::string, std::int64_t> row_ids;
  for (const auto& c : page.items) row_ids[c.external_id] = c.row_id;
  for (int i = 1; i < kRows; ++i) {
    if (i == 9 || i == 10) continue;
    ASSERT_LT(row_ids[name(i - 1)], row_ids[name(i)]) << i;
  }
  EXPECT_LT(row_ids["old-1"], row_ids[name(0)]);
  EXPECT_GT(row_ids[name(9)], row_ids[name(kRows - 1)]) << "a re-created row comes last";

  // Inserting the same rows again: every one a duplicate, nothing written.
  auto w = store().begin_write(WriteMode::kInsert);
  for (int i = 0; i < kRows; ++i) {
    ASSERT_EQ(w->put(customer(name(i), "x", 1, 1, "France", true)), PutOutcome::kDuplicate) << i;
  }
  EXPECT_EQ(w->put(customer("brand-new", "New", 1, 1, "France", true)), PutOutcome::kCreated);
  w->commit();
  EXPECT_EQ(store().count_customers(), kRows + 2);
  EXPECT_EQ(store().find_customer(name(11))->display_name, "Tab\tLine\nSlash\\ 11");
}

TEST_P(StoreConformance, ReplaceDeletesEveryCustomerFirst) {
  seed({customer("c1", "Hargrave", 42, 1000.5, "France", true),
        customer("c2", "Onio", 30, 0, "Spain", false)});
  auto w = store().begin_write(WriteMode::kReplace);
  EXPECT_EQ(w->put(customer("c2", "Onio", 31, 5, "Spain", true)), PutOutcome::kCreated);
  EXPECT_EQ(w->put(customer("c3", "Chu", 25, 5, "France", true)), PutOutcome::kCreated);
  EXPECT_EQ(w->put(customer("c3", "Chu", 25, 5, "France", true)), PutOutcome::kDuplicate);
  w->commit();
  EXPECT_EQ(store().count_customers(), 2);
  EXPECT_FALSE(store().find_customer("c1").has_value());
  EXPECT_EQ(store().find_customer("c2")->attributes["Age"], 31);
}

TEST_P(StoreConformance, RemoveDeletesOneCustomer) {
  seed({customer("c1", "Hargrave", 42, 1000.5, "France", true),
        customer("c2", "Onio", 30, 0, "Spain", false)});
  auto w = store().begin_write(WriteMode::kUpsert);
  EXPECT_TRUE(w->remove("c1"));
  EXPECT_FALSE(w->remove("c1"));
  EXPECT_FALSE(w->remove("nobody"));
  w->commit();
  EXPECT_FALSE(store().find_customer("c1").has_value());
  EXPECT_EQ(store().count_customers(), 1);
}

TEST_P(StoreConformance, DestroyedWriterLeavesDataExactlyAsItWas) {
  seed({customer("c1", "Hargrave", 42, 1000.5, "France", true),
        customer("c2", "Onio", 30, 0, "Spain", false)});
  auto before = store().list_customers({});
  {
    auto w = store().begin_write(WriteMode::kUpsert);
    w->put(customer("c1", "Changed", 1, 1, "Germany", false));
    w->put(customer("c9", "New", 1, 1, "Germany", false));
    w->remove("c2");
    w->save_schema(bank_schema());
  }
  {
    auto w = store().begin_write(WriteMode::kReplace);
    w->put(customer("c8", "Other", 1, 1, "Germany", false));
  }
  auto after = store().list_customers({});
  EXPECT_EQ(ids(after), ids(before));
  EXPECT_EQ(after.items[0].display_name, "Hargrave");
  EXPECT_EQ(after.items[0].attributes, before.items[0].attributes);
  EXPECT_FALSE(store().current_schema().has_value());
  // The store stays writable after a rollback.
  seed({customer("c3", "Chu", 25, 5, "France", true)});
  EXPECT_EQ(store().count_customers(), 3);
}

TEST_P(StoreConformance, UncommittedWritesAreInvisibleToReaders) {
  seed({customer("c1", "Hargrave", 42, 1000.5, "France", true)});
  auto w = store().begin_write(WriteMode::kUpsert);
  w->put(customer("c2", "Onio", 30, 0, "Spain", false));
  w->put(customer("c1", "Changed", 1, 1, "Germany", false));
  EXPECT_EQ(store().count_customers(), 1);
  EXPECT_FALSE(store().find_customer("c2").has_value());
  EXPECT_EQ(store().find_customer("c1")->display_name, "Hargrave");
  w->commit();
  EXPECT_EQ(store().count_customers(), 2);
  EXPECT_EQ(store().find_customer("c1")->display_name, "Changed");
}

}  // namespace churnwatch::storage::testing
