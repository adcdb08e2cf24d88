// Store conformance: the customer lifecycle. A churned label makes a
// customer departed (dated when the store first sees it, or by the
// departure date given with the row); departed customers are never scored
// again, the risk summary speaks of active customers, and the outcome
// scores pair each departure's last score before it with the active
// customers of the same scoring runs.
#include <thread>

#include "core/clock.hpp"
#include "storage/store_conformance.hpp"

namespace churnwatch::storage::testing {

using V = std::vector<std::string>;

namespace {

RiskRecord score(const std::string& id, double p, const std::string& run, std::string scored_at = "",
                 std::int64_t version = 1) {
  RiskRecord r;
  r.customer_id = id;
  r.model_version = version;
  r.probability = p;
  r.risk_level = p >= 0.5 ? "high" : "low";
  r.run_id = run;
  r.scored_at = std::move(scored_at);
  return r;
}

}  // namespace

TEST_P(StoreConformance, AChurnedLabelIsADepartureDatedWhenFirstSeen) {
  const std::string before = core::now_iso8601();
  seed_query_set();  // c01 and c04 churned, c05 unknown, the rest stayed
  EXPECT_EQ(with_status(StatusFilter::kDeparted), (V{"c01", "c04"}));
  EXPECT_EQ(with_status(StatusFilter::kActive), (V{"c02", "c03", "c05", "c06"}));
  EXPECT_EQ(with_status(StatusFilter::kAny).size(), 6u);

  auto c01 = store().find_customer("c01");
  ASSERT_TRUE(c01);
  EXPECT_TRUE(c01->departed());
  EXPECT_GE(c01->departed_at, before);
  EXPECT_EQ(c01->departure_known_at, c01->departed_at);
  auto c02 = store().find_customer("c02");
  EXPECT_FALSE(c02->departed());
  EXPECT_EQ(c02->departed_at, "");
  EXPECT_EQ(c02->departure_known_at, "");
  EXPECT_EQ(core::customer_to_json(*c01)["status"], "departed");
  EXPECT_EQ(core::customer_to_json(*c02)["status"], "active");
  EXPECT_TRUE(core::customer_to_json(*c02)["departed_at"].is_null());
}

TEST_P(StoreConformance, UpsertsMoveCustomersBetweenActiveAndDeparted) {
  seed_query_set();
  const auto first = store().find_customer("c01")->departure_known_at;
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::string before = core::now_iso8601();
  upsert({departing(customer("c02", "Hill", 9, 0, "Spain", false)),
          customer("c04", "Boni", 10, 1000.5, "France", false, 0),
          departing(customer("c01", "Hargrave", 43, 1000.5, "France", true))});
  auto c02 = store().find_customer("c02");
  EXPECT_TRUE(c02->departed());
  EXPECT_GE(c02->departure_known_at, before);
  EXPECT_EQ(c02->departed_at, c02->departure_known_at);
  // Still departed: when it was first seen stays.
  EXPECT_EQ(store().find_customer("c01")->departure_known_at, first);
  EXPECT_EQ(store().find_customer("c01")->departed_at, first);
  // Back to active: no departure any more.
  auto c04 = store().find_customer("c04");
  EXPECT_FALSE(c04->departed());
  EXPECT_EQ(c04->departed_at, "");
  EXPECT_EQ(c04->departure_known_at, "");
  EXPECT_EQ(with_status(StatusFilter::kDeparted), (V{"c01", "c02"}));
}

TEST_P(StoreConformance, AGivenDepartureDateIsKeptAndTheKnownTimeIsTheWrite) {
  seed_query_set();
  const std::string before = core::now_iso8601();
  upsert({departing(customer("c03", "Onio", 100, 250.25, "Germany", true), "2026-03-01T00:00:00.000Z")});
  auto c03 = store().find_customer("c03");
  EXPECT_EQ(c03->departed_at, "2026-03-01T00:00:00.000Z");
  EXPECT_GE(c03->departure_known_at, before);
  // A later write with another date moves the date, not the known time.
  const auto known = c03->departure_known_at;
  upsert({departing(customer("c03", "Onio", 100, 250.25, "Germany", true), "2026-02-01T00:00:00.000Z")});
  EXPECT_EQ(store().find_customer("c03")->departed_at, "2026-02-01T00:00:00.000Z");
  EXPECT_EQ(store().find_customer("c03")->departure_known_at, known);
}

// More rows than a writer sends one by one: PostgreSQL's COPY path too.
TEST_P(StoreConformance, LargeUpsertsKeepTheLifecycleRule) {
  std::vector<core::Customer> all;
  for (int i = 0; i < 400; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "k%03d", i);
    all.push_back(
        customer(id, "n", 30, 1, "France", true, i % 4 == 0 ? std::optional<int>(1) : std::optional<int>(0)));
  }
  seed(all);
  EXPECT_EQ(with_status(StatusFilter::kDeparted).size(), 100u);
  const auto known = store().find_customer("k000")->departure_known_at;
  ASSERT_NE(known, "");
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::vector<core::Customer> next;
  for (int i = 0; i < 400; ++i) {
    auto c = all[static_cast<std::size_t>(i)];
    if (i % 4 == 1) c = departing(c, i == 1 ? "2025-12-24T00:00:00.000Z" : "");  // newly departed
    if (i == 4) {                                                                // back to active
      c.label = 0;
      c.attributes["Exited"] = false;
    }
    next.push_back(c);
  }
  upsert(next);
  EXPECT_EQ(with_status(StatusFilter::kDeparted).size(), 199u);
  EXPECT_EQ(store().find_customer("k000")->departure_known_at, known);  // stayed departed
  EXPECT_EQ(store().find_customer("k000")->departed_at, known);
  auto k001 = store().find_customer("k001");
  EXPECT_EQ(k001->departed_at, "2025-12-24T00:00:00.000Z");
  EXPECT_GT(k001->departure_known_at, known);
  auto k005 = store().find_customer("k005");
  EXPECT_GT(k005->departure_known_at, known);
  EXPECT_EQ(k005->departed_at, k005->departure_known_at);
  EXPECT_EQ(store().find_customer("k004")->departed_at, "");
}

TEST_P(StoreConformance, DepartedCustomersAreNeverScoredAgain) {
  seed_query_set();
  store().append_risk({score("c01", 0.9, "r1"), score("c02", 0.3, "r1")});
  EXPECT_FALSE(store().current_risk("c01").has_value());
  EXPECT_TRUE(store().risk_history("c01", 0).empty());
  ASSERT_TRUE(store().current_risk("c02").has_value());

  // c02 leaves: its last score stays, and the next run skips it.
  upsert({departing(customer("c02", "Hill", 9, 0, "Spain", false))});
  store().append_risk({score("c02", 0.8, "r2"), score("c03", 0.1, "r2")});
  ASSERT_EQ(store().risk_history("c02", 0).size(), 1u);
  EXPECT_DOUBLE_EQ(store().current_risk("c02")->probability, 0.3);
  EXPECT_DOUBLE_EQ(store().find_customer("c02")->risk->at("probability").get<double>(), 0.3);
}

TEST_P(StoreConformance, TheRiskSummarySpeaksOfActiveCustomers) {
  seed_query_set();
  store().append_risk({score("c02", 0.8, "r1"), score("c03", 0.9, "r1"), score("c05", 0.2, "r1")});
  upsert({departing(customer("c03", "Onio", 100, 250.25, "Germany", true))});
  RiskSummary s = store().risk_summary(0.5, 10, 7);
  EXPECT_EQ(s.active_customers, 3);  // c02, c05, c06
  EXPECT_EQ(s.departed_customers, 3);
  EXPECT_EQ(s.scored, 2);
  EXPECT_NEAR(s.average_probability, 0.5, 1e-12);
  ASSERT_EQ(s.highest.size(), 1u);
  EXPECT_EQ(s.highest[0].customer_id, "c02");
  std::int64_t in_levels = 0;
  for (const auto& [level, n] : s.by_level) in_levels += n;
  EXPECT_EQ(in_levels, 2);
  ASSERT_EQ(s.daily.size(), 1u);
  EXPECT_EQ(std::get<2>(s.daily[0]), 2);
}

TEST_P(StoreConformance, OutcomeScoresPairEachDepartureWithTheActiveOfTheSameRuns) {
  seed_query_set();  // c01, c04 departed before any score: not in any report
  store().append_risk({score("c02", 0.4, "r1", "2026-01-01T00:00:00.000Z"),
                       score("c03", 0.7, "r1", "2026-01-01T00:00:00.000Z"),
                       score("c05", 0.1, "r1", "2026-01-01T00:00:00.000Z"),
                       score("c06", 0.6, "r1", "2026-01-01T00:00:00.000Z")});
  store().append_risk({score("c02", 0.6, "r2", "2026-01-08T00:00:00.000Z", 2),
                       score("c03", 0.8, "r2", "2026-01-08T00:00:00.000Z", 2),
                       score("c05", 0.2, "r2", "2026-01-08T00:00:00.000Z", 2)});
  store().append_risk({score("c06", 0.3, "r3", "2026-01-09T00:00:00.000Z", 2)});  // a run of its own
  const std::string before = core::now_iso8601();
  upsert({departing(customer("c02", "Hill", 9, 0, "Spain", false)),
          departing(customer("c03", "Onio", 100, 250.25, "Germany", true), "2026-01-05T00:00:00.000Z")});

  OutcomeQuery q;
  q.since = before;
  q.flag_threshold = 0.5;
  auto o = store().risk_outcome_scores(q);
  ASSERT_EQ(o.departed.size(), 2u);
  // c02: its last score before the departure is the one of run r2.
  const auto& c02 = o.departed[0].customer_id == "c02" ? o.departed[0] : o.departed[1];
  const auto& c03 = o.departed[0].customer_id == "c03" ? o.departed[0] : o.departed[1];
  EXPECT_DOUBLE_EQ(c02.prediction.probability, 0.6);
  EXPECT_EQ(c02.prediction.run_id, "r2");
  EXPECT_EQ(c02.first_flagged_at, "2026-01-08T00:00:00.000Z");
  // c03 left on 5 January: the score of the 8th came after, r1's is its record.
  EXPECT_DOUBLE_EQ(c03.prediction.probability, 0.7);
  EXPECT_EQ(c03.prediction.run_id, "r1");
  EXPECT_EQ(c03.departed_at, "2026-01-05T00:00:00.000Z");
  EXPECT_EQ(c03.first_flagged_at, "2026-01-01T00:00:00.000Z");
  // Active customers of r1 and r2 (not r3 alone): c05 (latest 0.2, highest
  // 0.2) and c06 (its r1 score 0.6; r3 is not one of the runs).
  ASSERT_EQ(o.active_latest.size(), 2u);
  std::vector<std::pair<double, double>> active;
  for (std::size_t i = 0; i < o.active_latest.size(); ++i)
    active.emplace_back(o.active_latest[i], o.active_highest[i]);
  std::sort(active.begin(), active.end());
  EXPECT_DOUBLE_EQ(active[0].first, 0.2);
  EXPECT_DOUBLE_EQ(active[0].second, 0.2);
  EXPECT_DOUBLE_EQ(active[1].first, 0.6);

  // One model version only: c03's record by version 2 would be after it left.
  q.model_version = 2;
  o = store().risk_outcome_scores(q);
  ASSERT_EQ(o.departed.size(), 1u);
  EXPECT_EQ(o.departed[0].customer_id, "c02");
  ASSERT_EQ(o.active_latest.size(), 1u);  // c05 in r2
  EXPECT_DOUBLE_EQ(o.active_latest[0], 0.2);

  // A window that ends before the departures were known holds none.
  q = OutcomeQuery{};
  q.until = before;
  EXPECT_TRUE(store().risk_outcome_scores(q).departed.empty());
}

}  // namespace churnwatch::storage::testing
