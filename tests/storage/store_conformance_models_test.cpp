// Store conformance: the model registry, risk history, current risk, and
// customers read, filtered and sorted by their risk.
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "storage/store_conformance.hpp"

namespace churnwatch::storage::testing {

using nlohmann::json;
using V = std::vector<std::string>;

namespace {

ModelRecord model(const std::string& algorithm) {
  ModelRecord m;
  m.algorithm = algorithm;
  m.schema_version = 1;
  m.artifact = "models/" + algorithm;
  m.training_data_hash = "sha256:abc";
  m.params = {{"max_depth", 4}, {"eta", 0.1}};
  m.metrics = {{"test", {{"roc_auc", 0.86}}}, {"validation", {{"roc_auc", 0.85}}}};
  m.details = {{"importance", {{"Age", 0.4}, {"Balance", 0.2}}}, {"curve", {0.1, 0.5, 1.0}}};
  return m;
}

RiskRecord risk(const std::string& id, double p, const std::string& level,
                std::string scored_at = "", std::int64_t version = 1) {
  RiskRecord r;
  r.customer_id = id;
  r.model_version = version;
  r.probability = p;
  r.risk_level = level;
  r.reasons = json::array({{{"attribute", "Age"}, {"contribution", 0.3}}});
  r.scored_at = std::move(scored_at);
  return r;
}

}  // namespace

TEST_P(StoreConformance, ModelVersionsCountUpAndKeepTheirJson) {
  EXPECT_FALSE(store().production_model().has_value());
  EXPECT_TRUE(store().list_models().empty());
  ModelRecord first = store().create_model(model("gbdt"));
  ModelRecord second = store().create_model(model("logistic"));
  EXPECT_EQ(first.version, 1);
  EXPECT_EQ(second.version, 2);
  EXPECT_EQ(second.stage, "candidate");
  EXPECT_FALSE(second.created_at.empty());
  EXPECT_EQ(second.promoted_at, "");

  auto found = reopen().find_model(1);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->algorithm, "gbdt");
  EXPECT_EQ(found->artifact, "models/gbdt");
  EXPECT_EQ(found->training_data_hash, "sha256:abc");
  EXPECT_EQ(found->schema_version, 1);
  EXPECT_EQ(found->params, model("gbdt").params);
  EXPECT_EQ(found->metrics, model("gbdt").metrics);
  EXPECT_EQ(found->details, model("gbdt").details);
  EXPECT_EQ(found->created_at, first.created_at);
  EXPECT_FALSE(store().find_model(3).has_value());

  std::vector<std::int64_t> versions;
  for (const auto& m : store().list_models()) versions.push_back(m.version);
  EXPECT_EQ(versions, (std::vector<std::int64_t>{2, 1}));
}

TEST_P(StoreConformance, PromotionArchivesThePreviousProduction) {
  store().create_model(model("gbdt"));
  store().create_model(model("random_forest"));
  ModelRecord one = store().promote_model(1);
  EXPECT_EQ(one.stage, "production");
  EXPECT_FALSE(one.promoted_at.empty());
  ASSERT_TRUE(store().production_model().has_value());
  EXPECT_EQ(store().production_model()->version, 1);

  ModelRecord two = store().promote_model(2);
  EXPECT_EQ(two.stage, "production");
  EXPECT_GE(two.promoted_at, one.promoted_at);
  EXPECT_EQ(store().production_model()->version, 2);
  auto archived = store().find_model(1);
  EXPECT_EQ(archived->stage, "archived");
  EXPECT_EQ(archived->promoted_at, one.promoted_at);  // it was production once

  // Promoting the production version again changes nothing.
  EXPECT_EQ(store().promote_model(2).promoted_at, two.promoted_at);
  EXPECT_THROW(store().promote_model(7), core::NotFound);
  EXPECT_EQ(store().production_model()->version, 2);
}

TEST_P(StoreConformance, NewModelsCannotStartInProduction) {
  ModelRecord m = model("gbdt");
  m.stage = "production";
  EXPECT_THROW(store().create_model(m), core::Invalid);
  m.stage = "shiny";
  EXPECT_THROW(store().create_model(m), core::Invalid);
  EXPECT_TRUE(store().list_models().empty());
}

TEST_P(StoreConformance, RegisteringTheSameSourceTwiceKeepsOneVersionAndItsArtifact) {
  store().create_model(model("logistic"));  // v1, no source
  ModelRecord m = model("gbdt");
  m.source = "job:abc";
  auto folder = [](std::int64_t v) { return "models/v" + std::to_string(v); };
  auto first = store().register_model(m, folder);
  EXPECT_TRUE(first.created);
  EXPECT_EQ(first.model.version, 2);
  EXPECT_EQ(first.model.artifact, "models/v2") << "the artifact names the version assigned";
  EXPECT_EQ(first.model.source, "job:abc");

  // The retried job: a different record with the same source changes nothing.
  ModelRecord again = model("random_forest");
  again.source = "job:abc";
  auto second = reopen().register_model(again, folder);
  EXPECT_FALSE(second.created);
  EXPECT_EQ(second.model.version, 2);
  EXPECT_EQ(second.model.algorithm, "gbdt");
  EXPECT_EQ(second.model.artifact, "models/v2");
  EXPECT_EQ(store().list_models().size(), 2u);

  // Another source, and versions without one, still count up.
  ModelRecord other = model("gbdt");
  other.source = "job:def";
  EXPECT_EQ(store().register_model(other, folder).model.artifact, "models/v3");
  EXPECT_EQ(store().register_model(model("gbdt"), folder).model.version, 4);
  EXPECT_EQ(store().register_model(model("gbdt"), {}).model.artifact, "models/gbdt");
  EXPECT_EQ(store().find_model(3)->source, "job:def");
  EXPECT_EQ(store().find_model(1)->source, "");
}

TEST_P(StoreConformance, AppendRiskComparesWithTheCurrentScore) {
  seed_active_query_set();
  EXPECT_FALSE(store().current_risk("c01").has_value());
  store().append_risk({risk("c01", 0.2, "low", "2026-01-01T00:00:00.000Z"),
                       risk("c02", 0.0, "low", "2026-01-01T00:00:00.000Z")});
  auto first = store().current_risk("c01");
  ASSERT_TRUE(first.has_value());
  EXPECT_DOUBLE_EQ(first->probability, 0.2);
  EXPECT_FALSE(first->previous_probability.has_value());
  EXPECT_FALSE(first->change.has_value());
  EXPECT_FALSE(first->relative_change.has_value());
  EXPECT_EQ(first->reasons, risk("c01", 0, "").reasons);

  store().append_risk({risk("c01", 0.5, "medium", "2026-01-02T00:00:00.000Z", 2),
                       risk("c02", 0.3, "medium", "2026-01-02T00:00:00.000Z", 2)});
  auto second = store().current_risk("c01");
  EXPECT_EQ(second->model_version, 2);
  EXPECT_EQ(second->risk_level, "medium");
  EXPECT_DOUBLE_EQ(*second->previous_probability, 0.2);
  EXPECT_DOUBLE_EQ(*second->change, 0.3);
  EXPECT_DOUBLE_EQ(*second->relative_change, 1.5);
  // A previous score of 0 gives an absolute change but no relative one.
  auto c02 = store().current_risk("c02");
  EXPECT_DOUBLE_EQ(*c02->change, 0.3);
  EXPECT_FALSE(c02->relative_change.has_value());

  // The same customer twice in one call: the second sees the first.
  store().append_risk({risk("c01", 0.6, "medium", "2026-01-03T00:00:00.000Z"),
                       risk("c01", 0.9, "high", "2026-01-03T00:00:01.000Z")});
  auto third = store().current_risk("c01");
  EXPECT_DOUBLE_EQ(third->probability, 0.9);
  EXPECT_DOUBLE_EQ(*third->previous_probability, 0.6);
}

TEST_P(StoreConformance, RiskHistoryIsNewestFirstWithLimit) {
  seed_query_set();
  store().append_risk({risk("c03", 0.1, "low", "2026-01-01T10:00:00.000Z")});
  store().append_risk({risk("c03", 0.4, "medium", "2026-01-02T10:00:00.000Z")});
  store().append_risk({risk("c03", 0.8, "high", "2026-01-03T10:00:00.000Z")});
  auto all = store().risk_history("c03", 0);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_DOUBLE_EQ(all[0].probability, 0.8);
  EXPECT_DOUBLE_EQ(all[1].probability, 0.4);
  EXPECT_DOUBLE_EQ(all[2].probability, 0.1);
  EXPECT_DOUBLE_EQ(*all[0].previous_probability, 0.4);
  EXPECT_EQ(all[0].customer_id, "c03");
  EXPECT_EQ(all[2].scored_at, "2026-01-01T10:00:00.000Z");
  auto two = store().risk_history("c03", 2);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[1].risk_level, "medium");
  EXPECT_TRUE(store().risk_history("c01", 10).empty());
  EXPECT_TRUE(store().risk_history("nobody", 10).empty());

  // An older score joins the history without replacing the current one.
  store().append_risk({risk("c03", 0.05, "low", "2025-12-31T00:00:00.000Z")});
  EXPECT_DOUBLE_EQ(store().current_risk("c03")->probability, 0.8);
  EXPECT_EQ(store().risk_history("c03", 0).size(), 4u);
}

TEST_P(StoreConformance, AppendRiskSkipsUnknownCustomersAndRejectsBadProbabilities) {
  seed_active_query_set();
  store().append_risk({risk("ghost", 0.5, "medium"), risk("c04", 0.5, "medium")});
  EXPECT_FALSE(store().current_risk("ghost").has_value());
  auto c04 = store().current_risk("c04");
  ASSERT_TRUE(c04.has_value());
  EXPECT_EQ(c04->scored_at.size(), core::now_iso8601().size());  // set by the store

  EXPECT_THROW(store().append_risk({risk("c05", 0.5, "medium"), risk("c06", 1.5, "high")}),
               core::Invalid);
  EXPECT_THROW(store().append_risk({risk("c05", std::nan(""), "high")}), core::Invalid);
  EXPECT_FALSE(store().current_risk("c05").has_value());
  EXPECT_NO_THROW(store().append_risk({}));
}

TEST_P(StoreConformance, DeletingACustomerDeletesItsRisk) {
  seed_query_set();
  store().append_risk({risk("c01", 0.7, "high"), risk("c02", 0.1, "low")});
  {
    auto w = store().begin_write(WriteMode::kUpsert);
    EXPECT_TRUE(w->remove("c01"));
    w->commit();
  }
  EXPECT_FALSE(store().current_risk("c01").has_value());
  EXPECT_TRUE(store().risk_history("c01", 0).empty());
  EXPECT_EQ(store().risk_summary(0.5, 10, 7).scored, 1);
  // A re-imported customer with the same id starts without a score.
  seed({customer("c01", "Hargrave", 42, 1000.5, "France", true, 1)});
  EXPECT_FALSE(store().find_customer("c01")->risk.has_value());
  {
    auto w = store().begin_write(WriteMode::kReplace);
    w->put(customer("c09", "New", 30, 1, "Spain", true));
    w->commit();
  }
  EXPECT_EQ(store().risk_summary(0.5, 10, 7).scored, 0);
}

TEST_P(StoreConformance, CustomersSortByRiskWithUnscoredLast) {
  seed_active_query_set();
  store().append_risk({risk("c03", 0.9, "high"), risk("c05", 0.2, "low"),
                       risk("c01", 0.6, "medium")});
  // Ties (the unscored) fall back to the id, in the same direction.
  EXPECT_EQ(sorted("risk", true), (V{"c03", "c01", "c05", "c06", "c04", "c02"}));
  EXPECT_EQ(sorted("risk", false), (V{"c05", "c01", "c03", "c02", "c04", "c06"}));
}

TEST_P(StoreConformance, CustomersFilterByRisk) {
  seed_active_query_set();
  store().append_risk({risk("c03", 0.9, "high"), risk("c05", 0.2, "low"),
                       risk("c01", 0.6, "medium"), risk("c06", 0.3, "low")});
  auto by_risk = [&](RiskFilter r, std::vector<Filter> filters = {}) {
    CustomerQuery q;
    q.risk = std::move(r);
    q.filters = std::move(filters);
    q.limit = 0;
    auto page = store().list_customers(q);
    EXPECT_EQ(page.total, static_cast<std::int64_t>(page.items.size()));
    return ids(page);
  };
  EXPECT_EQ(by_risk({0.5, std::nullopt, {}}), (V{"c01", "c03"}));
  EXPECT_EQ(by_risk({std::nullopt, 0.6, {}}), (V{"c05", "c06"}));  // the maximum is excluded
  EXPECT_EQ(by_risk({0.2, 0.6, {}}), (V{"c05", "c06"}));
  EXPECT_EQ(by_risk({std::nullopt, std::nullopt, {"low", "high"}}), (V{"c03", "c05", "c06"}));
  EXPECT_EQ(by_risk({std::nullopt, std::nullopt, {"low"}}, {{"Geography", FilterOp::kEq, {"Spain"}}}),
            (V{"c05"}));
  EXPECT_EQ(by_risk({}).size(), 6u);  // no condition: unscored customers too

  // A dataset attribute that is called "risk" still filters by its own value.
  {
    auto w = store().begin_write(WriteMode::kUpsert);
    auto c = customer("c02", "Hill", 9, 0, "Spain", false, 0);
    c.attributes["risk"] = "elevated";
    w->put(c);
    w->commit();
  }
  EXPECT_EQ(where({{"risk", FilterOp::kEq, {"elevated"}}}), (V{"c02"}));
}

TEST_P(StoreConformance, CustomersCarryTheirCurrentRisk) {
  seed_active_query_set();
  store().append_risk({risk("c01", 0.4, "medium", "2026-02-01T00:00:00.000Z", 3)});
  store().append_risk({risk("c01", 0.6, "medium", "2026-02-02T00:00:00.000Z", 4)});
  auto c01 = store().find_customer("c01");
  ASSERT_TRUE(c01->risk.has_value());
  const json& r = *c01->risk;
  EXPECT_DOUBLE_EQ(r["probability"].get<double>(), 0.6);
  EXPECT_EQ(r["risk_level"], "medium");
  EXPECT_NEAR(r["change"].get<double>(), 0.2, 1e-12);
  EXPECT_NEAR(r["relative_change"].get<double>(), 0.5, 1e-12);
  EXPECT_EQ(r["model_version"], 4);
  EXPECT_EQ(r["scored_at"], "2026-02-02T00:00:00.000Z");
  EXPECT_EQ(core::customer_to_json(*c01)["risk"], r);

  auto c02 = store().find_customer("c02");
  EXPECT_FALSE(c02->risk.has_value());
  EXPECT_TRUE(core::customer_to_json(*c02)["risk"].is_null());

  CustomerQuery q;
  q.sort_by = "risk";
  q.descending = true;
  q.limit = 2;
  auto page = store().list_customers(q);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].risk, r);
  EXPECT_FALSE(page.items[1].risk.has_value());
  int with_risk = 0;
  store().for_each_customer(q, [&](const core::Customer& c) { with_risk += c.risk.has_value(); });
  EXPECT_EQ(with_risk, 1);
}

TEST_P(StoreConformance, RiskSummaryCountsLevelsExtremesAndDays) {
  seed_active_query_set();
  RiskSummary empty = store().risk_summary(0.7, 5, 7);
  EXPECT_EQ(empty.scored, 0);
  EXPECT_TRUE(empty.by_level.empty());
  EXPECT_TRUE(empty.highest.empty());
  EXPECT_TRUE(empty.daily.empty());

  std::string today = core::now_iso8601().substr(0, 10);
  store().append_risk({risk("c01", 0.2, "low", "2000-01-01T00:00:00.000Z"),
                       risk("c02", 0.5, "medium", "2000-01-01T00:00:00.000Z")});
  store().append_risk({risk("c01", 0.8, "high"), risk("c02", 0.4, "medium"),
                       risk("c03", 0.9, "high"), risk("c04", 0.1, "low")});
  RiskSummary s = store().risk_summary(0.7, 5, 7);
  EXPECT_EQ(s.scored, 4);
  EXPECT_NEAR(s.average_probability, (0.8 + 0.4 + 0.9 + 0.1) / 4, 1e-12);
  using Level = std::pair<std::string, std::int64_t>;
  EXPECT_EQ(s.by_level, (std::vector<Level>{{"low", 1}, {"medium", 1}, {"high", 2}}));
  ASSERT_EQ(s.highest.size(), 2u);  // only scores at or above the threshold
  EXPECT_EQ(s.highest[0].customer_id, "c03");
  EXPECT_EQ(s.highest[1].customer_id, "c01");
  ASSERT_EQ(s.biggest_increases.size(), 1u);  // c02 fell, c03 and c04 are new
  EXPECT_EQ(s.biggest_increases[0].customer_id, "c01");
  EXPECT_NEAR(*s.biggest_increases[0].change, 0.6, 1e-12);
  // Only today's scores fall in the last 7 days; the year-2000 ones do not.
  ASSERT_EQ(s.daily.size(), 1u);
  EXPECT_EQ(std::get<0>(s.daily[0]), today);
  EXPECT_NEAR(std::get<1>(s.daily[0]), 0.55, 1e-12);
  EXPECT_EQ(std::get<2>(s.daily[0]), 4);

  EXPECT_EQ(store().risk_summary(0.7, 1, 7).highest.size(), 1u);
  EXPECT_TRUE(store().risk_summary(0.7, 5, 0).daily.empty());
}

}  // namespace churnwatch::storage::testing
