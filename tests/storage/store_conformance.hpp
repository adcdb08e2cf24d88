// The Store conformance suite: the behaviour every Store backend must show,
// written once against the interface. A backend joins by instantiating the
// suite with a StoreBackend that hands out fresh, empty databases:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformance,
//                            ::testing::Values(sqlite_backend()), backend_name);
//
// The TEST_P bodies live in store_conformance_test.cpp and its
// store_conformance_*_test.cpp siblings, and run for every instantiation
// linked into test_storage.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

#include "core/customer.hpp"
#include "core/schema.hpp"
#include "storage/store.hpp"

namespace churnwatch::storage::testing {

struct StoreBackend {
  std::string name;
  // The URL of a new, empty database for one test; `scratch` is a private
  // directory removed after the test. Opening the URL again must reach the
  // same database. "" when the backend's server is not available: the test
  // then skips with `skip_message`.
  std::function<std::string(const std::filesystem::path& scratch)> fresh_url;
  std::string skip_message = {};
  // The read replica URL to open the store with, given its URL; unset: none.
  std::function<std::string(const std::string& url)> replica_url = {};
};

// Names the backend in test output instead of dumping its bytes.
inline void PrintTo(const StoreBackend& b, std::ostream* os) { *os << b.name; }

inline std::string backend_name(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.name;
}

class StoreConformance : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override {
    static int counter = 0;
    scratch_ = std::filesystem::temp_directory_path() /
               ("churnwatch-store-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    std::filesystem::remove_all(scratch_);
    std::filesystem::create_directories(scratch_);
    url_ = GetParam().fresh_url(scratch_);
    if (url_.empty()) GTEST_SKIP() << GetParam().skip_message;
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(scratch_, ec);
  }

  // The test's store, opened on first use.
  Store& store() {
    if (!store_) store_ = open_store(url_, GetParam().replica_url ? GetParam().replica_url(url_) : "");
    return *store_;
  }
  // Closes and reopens the store on the same database.
  Store& reopen() {
    store_.reset();
    return store();
  }

  // A small bank-like schema: id, display name, label and typed features.
  static core::DatasetSchema bank_schema() {
    using core::AttrType;
    using core::Role;
    core::DatasetSchema s;
    s.attributes = {
        {"CustomerId", AttrType::kText, Role::kId},
        {"Surname", AttrType::kText, Role::kDisplay},
        {"Age", AttrType::kInteger, Role::kFeature},
        {"Balance", AttrType::kNumber, Role::kFeature},
        {"Geography", AttrType::kCategory, Role::kFeature, {"France", "Spain", "Germany"}},
        {"IsActiveMember", AttrType::kBoolean, Role::kFeature, {}, "1", "0"},
        {"Exited", AttrType::kBoolean, Role::kLabel, {}, "1", "0"},
    };
    return s;
  }

  static core::Customer customer(const std::string& id, const std::string& name, int age,
                                 double balance, const std::string& geography, bool active,
                                 std::optional<int> label = std::nullopt) {
    core::Customer c;
    c.external_id = id;
    c.display_name = name;
    c.label = label;
    c.attributes = {{"CustomerId", id},     {"Surname", name},
                    {"Age", age},           {"Balance", balance},
                    {"Geography", geography}, {"IsActiveMember", active}};
    if (label) c.attributes["Exited"] = *label == 1;
    return c;
  }

  // Stores `customers` in one committed kInsert transaction.
  void seed(const std::vector<core::Customer>& customers) {
    auto w = store().begin_write(WriteMode::kInsert);
    for (const auto& c : customers) ASSERT_EQ(w->put(c), PutOutcome::kCreated) << c.external_id;
    w->commit();
  }

  // Six customers the query tests are written against; c01 and c04 have the
  // label `churned` (1: they left, and are departed).
  void seed_query_set(std::optional<int> churned = 1) {
    seed({customer("c01", "Hargrave", 42, 1000.5, "France", true, churned),
          customer("c02", "Hill", 9, 0, "Spain", false, 0),
          customer("c03", "Onio", 100, 250.25, "Germany", true, 0),
          customer("c04", "Boni", 10, 1000.5, "France", false, churned),
          customer("c05", "Mitchell", 42, 99.75, "Spain", true),
          customer("c06", "O'Brien 100%", 55, 5000, "Germany", false, 0)});
  }
  // The same six, all active (c01 and c04 stayed): only active customers
  // are scored.
  void seed_active_query_set() { seed_query_set(0); }
  // Ids of every customer matching `filters`, by id.
  std::vector<std::string> where(std::vector<Filter> filters) {
    CustomerQuery q;
    q.filters = std::move(filters);
    q.limit = 0;
    return ids(store().list_customers(q));
  }
  // Ids of the first page sorted by `by`.
  std::vector<std::string> sorted(const std::string& by, bool desc) {
    CustomerQuery q;
    q.sort_by = by;
    q.descending = desc;
    return ids(store().list_customers(q));
  }

  // Lifecycle helpers.
  std::vector<std::string> with_status(StatusFilter status) {
    CustomerQuery q;
    q.status = status;
    q.limit = 0;
    auto page = store().list_customers(q);
    EXPECT_EQ(page.total, static_cast<std::int64_t>(page.items.size()));
    return ids(page);
  }
  void upsert(const std::vector<core::Customer>& customers) {
    auto w = store().begin_write(WriteMode::kUpsert);
    for (const auto& c : customers) w->put(c);
    w->commit();
  }
  static core::Customer departing(core::Customer c, const std::string& departed_at = "") {
    c.label = 1;
    c.attributes["Exited"] = true;
    c.departed_at = departed_at;
    return c;
  }

  // External ids of a page, in order.
  static std::vector<std::string> ids(const CustomerPage& page) {
    std::vector<std::string> out;
    for (const auto& c : page.items) out.push_back(c.external_id);
    return out;
  }

  std::string url_;
  std::filesystem::path scratch_;
  std::unique_ptr<Store> store_;
};

}  // namespace churnwatch::storage::testing
