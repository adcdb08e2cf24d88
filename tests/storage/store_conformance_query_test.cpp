// Store conformance: filtering, searching, sorting, paging and streaming
// customers.
#include "core/errors.hpp"
#include "storage/store_conformance.hpp"

namespace churnwatch::storage::testing {

using nlohmann::json;
using V = std::vector<std::string>;

TEST_P(StoreConformance, QueryEqualityOnIntegerTextAndBoolean) {
  seed_query_set();
  EXPECT_EQ(where({{"Age", FilterOp::kEq, {42}}}), (V{"c01", "c05"}));
  EXPECT_EQ(where({{"Age", FilterOp::kEq, {42.0}}}), (V{"c01", "c05"}));
  EXPECT_EQ(where({{"Geography", FilterOp::kEq, {"Spain"}}}), (V{"c02", "c05"}));
  EXPECT_EQ(where({{"IsActiveMember", FilterOp::kEq, {true}}}), (V{"c01", "c03", "c05"}));
  EXPECT_EQ(where({{"Exited", FilterOp::kEq, {false}}}), (V{"c02", "c03", "c06"}));
  EXPECT_TRUE(where({{"Geography", FilterOp::kEq, {"spain"}}}).empty());
}

TEST_P(StoreConformance, QueryNotEqualIncludesCustomersWithoutTheAttribute) {
  seed_query_set();
  EXPECT_EQ(where({{"Geography", FilterOp::kNe, {"France"}}}), (V{"c02", "c03", "c05", "c06"}));
  EXPECT_EQ(where({{"Exited", FilterOp::kNe, {true}}}), (V{"c02", "c03", "c05", "c06"}));
}

TEST_P(StoreConformance, QueryOrderingComparisonsAreNumeric) {
  seed_query_set();
  EXPECT_EQ(where({{"Age", FilterOp::kLt, {10}}}), (V{"c02"}));
  EXPECT_EQ(where({{"Age", FilterOp::kLte, {10}}}), (V{"c02", "c04"}));
  EXPECT_EQ(where({{"Age", FilterOp::kGt, {42}}}), (V{"c03", "c06"}));
  EXPECT_EQ(where({{"Age", FilterOp::kGte, {42}}}), (V{"c01", "c03", "c05", "c06"}));
  EXPECT_EQ(where({{"Balance", FilterOp::kGt, {999.99}}}), (V{"c01", "c04", "c06"}));
  EXPECT_EQ(where({{"Balance", FilterOp::kLte, {250}}}), (V{"c02", "c05"}));
}

TEST_P(StoreConformance, QueryInMatchesAnyOfItsValues) {
  seed_query_set();
  EXPECT_EQ(where({{"Geography", FilterOp::kIn, {"Spain", "Germany"}}}),
            (V{"c02", "c03", "c05", "c06"}));
  EXPECT_EQ(where({{"Age", FilterOp::kIn, {9, 100, 7}}}), (V{"c02", "c03"}));
  EXPECT_TRUE(where({{"Age", FilterOp::kIn, {}}}).empty());
}

TEST_P(StoreConformance, QueryContainsIgnoresCaseAndTakesWildcardsLiterally) {
  seed_query_set();
  EXPECT_EQ(where({{"Surname", FilterOp::kContains, {"HIL"}}}), (V{"c02"}));
  EXPECT_EQ(where({{"Geography", FilterOp::kContains, {"an"}}}), (V{"c01", "c03", "c04", "c06"}));
  EXPECT_EQ(where({{"Surname", FilterOp::kContains, {"0%"}}}), (V{"c06"}));
  EXPECT_TRUE(where({{"Surname", FilterOp::kContains, {"_"}}}).empty());
}

TEST_P(StoreConformance, QueryFiltersCombineWithAnd) {
  seed_query_set();
  EXPECT_EQ(where({{"Geography", FilterOp::kEq, {"France"}}, {"Age", FilterOp::kGt, {20}}}),
            (V{"c01"}));
}

TEST_P(StoreConformance, QueryMalformedFiltersAreInvalid) {
  seed_query_set();
  EXPECT_THROW(where({{"Age", FilterOp::kEq, {}}}), core::Invalid);
  EXPECT_THROW(where({{"Age", FilterOp::kLt, {1, 2}}}), core::Invalid);
  EXPECT_THROW(where({{"Surname", FilterOp::kContains, {5}}}), core::Invalid);
  EXPECT_THROW(where({{"Age", FilterOp::kEq, {json::array({1})}}}), core::Invalid);
}

TEST_P(StoreConformance, QuerySearchMatchesIdOrDisplayNameIgnoringCase) {
  seed_query_set();
  CustomerQuery q;
  q.search = "H";
  EXPECT_EQ(ids(store().list_customers(q)), (V{"c01", "c02", "c05"}));  // Hargrave, Hill, Mitchell
  q.search = "hIL";
  EXPECT_EQ(ids(store().list_customers(q)), (V{"c02"}));
  q.search = "C03";
  EXPECT_EQ(ids(store().list_customers(q)), (V{"c03"}));
  q.search = "'brien 100%";
  EXPECT_EQ(ids(store().list_customers(q)), (V{"c06"}));
  q.search = "nobody";
  EXPECT_EQ(store().list_customers(q).total, 0);
}

TEST_P(StoreConformance, QuerySortsNumbersNumericallyWithStableTies) {
  seed_query_set();
  EXPECT_EQ(sorted("Age", false), (V{"c02", "c04", "c01", "c05", "c06", "c03"}));
  EXPECT_EQ(sorted("Age", true), (V{"c03", "c06", "c05", "c01", "c04", "c02"}));
  EXPECT_EQ(sorted("Balance", false), (V{"c02", "c05", "c03", "c01", "c04", "c06"}));
}

TEST_P(StoreConformance, QuerySortsTextAndById) {
  seed_query_set();
  EXPECT_EQ(sorted("Surname", false), (V{"c04", "c01", "c02", "c05", "c06", "c03"}));
  EXPECT_EQ(sorted("Surname", true), (V{"c03", "c06", "c05", "c02", "c01", "c04"}));
  EXPECT_EQ(sorted("", false), (V{"c01", "c02", "c03", "c04", "c05", "c06"}));
  EXPECT_EQ(sorted("", true), (V{"c06", "c05", "c04", "c03", "c02", "c01"}));
}

TEST_P(StoreConformance, QueryMissingValuesSortLastEitherWay) {
  seed_query_set();
  EXPECT_EQ(sorted("Exited", false).back(), "c05");
  EXPECT_EQ(sorted("Exited", true).back(), "c05");
}

TEST_P(StoreConformance, QueryPagesCoverEveryMatchOnceWithTotal) {
  seed_query_set();
  CustomerQuery q;
  q.sort_by = "Age";
  q.limit = 4;
  auto first = store().list_customers(q);
  EXPECT_EQ(first.total, 6);
  EXPECT_EQ(ids(first), (V{"c02", "c04", "c01", "c05"}));
  q.offset = 4;
  auto second = store().list_customers(q);
  EXPECT_EQ(second.total, 6);
  EXPECT_EQ(ids(second), (V{"c06", "c03"}));
  q.offset = 10;
  EXPECT_TRUE(store().list_customers(q).items.empty());

  q = {};
  q.filters = {{"Geography", FilterOp::kNe, {"France"}}};
  q.limit = 1;
  q.offset = 1;
  auto page = store().list_customers(q);
  EXPECT_EQ(page.total, 4);
  EXPECT_EQ(ids(page), (V{"c03"}));
  q.limit = 0;
  EXPECT_EQ(ids(store().list_customers(q)), (V{"c03", "c05", "c06"}));
}

TEST_P(StoreConformance, QueryForEachStreamsMatchesInQueryOrder) {
  seed_query_set();
  CustomerQuery q;
  q.filters = {{"Age", FilterOp::kGte, {42}}};
  q.sort_by = "Balance";
  q.descending = true;
  q.limit = 0;
  std::vector<std::string> seen;
  store().for_each_customer(q, [&](const core::Customer& c) {
    seen.push_back(c.external_id);
    EXPECT_TRUE(c.attributes.contains("Age"));
  });
  EXPECT_EQ(seen, (V{"c06", "c01", "c03", "c05"}));
  q.limit = 2;
  seen.clear();
  store().for_each_customer(q, [&](const core::Customer& c) { seen.push_back(c.external_id); });
  EXPECT_EQ(seen, (V{"c06", "c01"}));
}

TEST_P(StoreConformance, QueryAttributeNamesWithQuotesAndDotsAreNotSql) {
  seed_query_set();
  const std::vector<std::string> names = {"Weird \"quoted\" name", "a.b[0]", "back\\slash",
                                          "x'); DROP TABLE customers; --"};
  {
    auto w = store().begin_write(WriteMode::kUpsert);
    for (int i = 0; i < 3; ++i) {
      auto c = customer("z" + std::to_string(i), "Odd", 1, 1, "France", true);
      for (const auto& n : names) c.attributes[n] = i * 10;
      w->put(c);
    }
    w->commit();
  }
  for (const auto& n : names) {
    EXPECT_EQ(where({{n, FilterOp::kGte, {10}}}), (V{"z1", "z2"})) << n;
    EXPECT_EQ(sorted(n, true).front(), "z2") << n;
  }
  EXPECT_EQ(store().count_customers(), 9);
}

}  // namespace churnwatch::storage::testing
