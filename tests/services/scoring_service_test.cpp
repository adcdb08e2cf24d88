// ScoringService: what-if predictions, stored scores and their history,
// batch scoring and the summary, with a model trained once for the suite.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

#include "core/errors.hpp"
#include "services/customers.hpp"
#include "services/ml_test_support.hpp"
#include "services/scoring_service.hpp"
#include "services/services_test_support.hpp"

namespace churnwatch::services {
namespace {

using testing::DemoWorkspace;

class Scoring : public ::testing::Test {
 protected:
  void SetUp() override {
    ws_ = std::make_unique<DemoWorkspace>(2000);
    models_ = std::make_unique<ModelService>(ws_->store(), ws_->models_dir());
    scoring_ = std::make_unique<ScoringService>(ws_->store(), *models_);
  }
  void train() { ASSERT_TRUE(models_->train(testing::quick_request()).promoted); }
  storage::CustomerQuery with_status(storage::StatusFilter status) {
    storage::CustomerQuery q;
    q.status = status;
    return q;
  }
  std::string some_customer() {
    return ws_->store().list_customers(with_status(storage::StatusFilter::kActive)).items.at(0).external_id;
  }
  std::int64_t active() {
    return ws_->store().list_customers(with_status(storage::StatusFilter::kActive)).total;
  }

  std::unique_ptr<DemoWorkspace> ws_;
  std::unique_ptr<ModelService> models_;
  std::unique_ptr<ScoringService> scoring_;
};

TEST_F(Scoring, WithoutAModelSaysToTrainOne) {
  try {
    scoring_->predict({{"Age", 40}});
    FAIL() << "expected Conflict";
  } catch (const core::Conflict& e) {
    EXPECT_NE(std::string(e.what()).find("train one first"), std::string::npos);
  }
  EXPECT_THROW(scoring_->score_all({}), core::Conflict);
}

TEST_F(Scoring, WhatIfExplainsAndStoresNothing) {
  train();
  const auto older =
      scoring_->predict({{"Age", 62}, {"IsActiveMember", 0}, {"NumOfProducts", 3}, {"Geography", "Germany"}});
  const auto younger =
      scoring_->predict({{"Age", 30}, {"IsActiveMember", 1}, {"NumOfProducts", 2}, {"Geography", "France"}});
  EXPECT_GT(older.probability, younger.probability);
  EXPECT_GT(older.probability, 0.0);
  EXPECT_LT(older.probability, 1.0);
  EXPECT_EQ(older.model_version, 1);
  EXPECT_EQ(older.risk_level, std::string(scoring_->options().levels.level(older.probability)));
  ASSERT_FALSE(older.reasons.empty());
  EXPECT_LE(older.reasons.size(), 3u);
  EXPECT_NE(older.reasons[0].text, "");

  EXPECT_EQ(scoring_->summary(10, 30).scored, 0);
  EXPECT_TRUE(scoring_->history(some_customer(), 10).empty());

  auto e = testing::expect_invalid([&] { scoring_->predict({{"Age", 40}, {"Shoe size", 44}}); });
  ASSERT_EQ(e.errors().size(), 1u);
  EXPECT_EQ(e.errors()[0].field, "attributes.Shoe size");
  testing::expect_invalid([&] { scoring_->predict({{"Age", "old"}}); });
}

TEST_F(Scoring, ScoreAllWritesHistoryWithChanges) {
  train();
  std::vector<double> fractions;
  auto first = scoring_->score_all({}, [&](double f, std::string_view) { fractions.push_back(f); });
  // Departed customers are never scored.
  const auto n = active();
  EXPECT_LT(n, 2000);
  EXPECT_GT(n, 1000);
  EXPECT_EQ(first.scored, n);
  EXPECT_EQ(first.model_version, 1);
  EXPECT_EQ(first.run_id.size(), 16u);
  std::int64_t sum = 0;
  for (const auto& [level, n] : first.by_level) sum += n;
  EXPECT_EQ(sum, n);
  EXPECT_EQ(first.by_level.size(), 5u);
  ASSERT_FALSE(fractions.empty());
  EXPECT_DOUBLE_EQ(fractions.back(), 1.0);

  const auto id = some_customer();
  auto h1 = scoring_->history(id, 10);
  ASSERT_EQ(h1.size(), 1u);
  EXPECT_FALSE(h1[0].previous_probability.has_value());
  EXPECT_FALSE(h1[0].reasons.empty());
  EXPECT_EQ(h1[0].model_version, 1);
  // The batch path agrees with the single-customer path (out of fold for a
  // customer the model was trained on).
  auto c = ws_->store().find_customer(id);
  EXPECT_NEAR(models_->production()->bundle.predict(c->attributes, 0, id).probability, h1[0].probability,
              1e-6);

  // Make the customer look like a churner, score again: the change shows.
  Customers customers(ws_->store());
  customers.update(id, {{"Age", 63}, {"IsActiveMember", 0}, {"NumOfProducts", 4}});
  auto second = scoring_->score_all({});
  EXPECT_EQ(second.scored, n);
  EXPECT_NE(second.run_id, first.run_id);
  auto h2 = scoring_->history(id, 10);
  ASSERT_EQ(h2.size(), 2u);
  ASSERT_TRUE(h2[0].previous_probability.has_value());
  EXPECT_DOUBLE_EQ(*h2[0].previous_probability, h1[0].probability);
  ASSERT_TRUE(h2[0].change.has_value());
  EXPECT_NEAR(*h2[0].change, h2[0].probability - h1[0].probability, 1e-9);
  EXPECT_GT(*h2[0].change, 0.0);

  auto summary = scoring_->summary(5, 30);
  EXPECT_EQ(summary.scored, n);
  EXPECT_EQ(summary.active_customers, n);
  EXPECT_EQ(summary.departed_customers, 2000 - n);
  ASSERT_FALSE(summary.biggest_increases.empty());
  EXPECT_EQ(summary.biggest_increases[0].customer_id, id);
  for (const auto& r : summary.highest) EXPECT_GE(r.probability, 0.7);
  ASSERT_EQ(summary.daily.size(), 1u);
  EXPECT_EQ(std::get<2>(summary.daily[0]), 2 * n);

  auto json = risk_summary_to_json(summary, scoring_->options());
  EXPECT_EQ(json["high_risk_threshold"], 0.7);
  EXPECT_EQ(json["by_level"].size(), summary.by_level.size());
}

TEST_F(Scoring, ScoresOneCustomerOrAFilteredSet) {
  train();
  const auto id = some_customer();
  auto r = scoring_->score_customer(id);
  EXPECT_EQ(r.customer_id, id);
  EXPECT_EQ(scoring_->history(id, 10).size(), 1u);
  EXPECT_THROW(scoring_->score_customer("no-such-customer"), core::NotFound);
  EXPECT_THROW(scoring_->history("no-such-customer", 10), core::NotFound);
  // A departed customer is not scored again.
  const auto gone = ws_->store().list_customers(with_status(storage::StatusFilter::kDeparted)).items.at(0);
  EXPECT_THROW(scoring_->score_customer(gone.external_id), core::Conflict);
  EXPECT_TRUE(scoring_->history(gone.external_id, 10).empty());

  auto schema = Customers(ws_->store()).schema();
  auto query = parse_customer_query(schema, {{"Geography", "Germany"}}, false);
  auto result = scoring_->score_all(query);
  EXPECT_GT(result.scored, 0);
  EXPECT_LT(result.scored, 2000);
  query.status = storage::StatusFilter::kActive;
  EXPECT_EQ(result.scored, ws_->store().list_customers(query).total);
  // Risk filters and sorting reach the store through the query parser.
  auto high = parse_customer_query(schema, {{"risk[gte]", "0.5"}, {"sort", "-risk"}}, false);
  auto page = ws_->store().list_customers(high);
  for (const auto& c : page.items) {
    ASSERT_TRUE(c.risk.has_value());
    EXPECT_GE((*c.risk)["probability"].get<double>(), 0.5);
  }
  testing::expect_invalid([&] { parse_customer_query(schema, {{"risk[gte]", "high"}}); });
}

// A customer the model was fitted on is scored by the fold model that did
// not see it; the others (validation, test, unlabelled) by the final model.
TEST_F(Scoring, TrainingCustomersGetOutOfFoldScores) {
  train();
  scoring_->score_all({});
  auto model = models_->production();
  const auto& bundle = model->bundle;
  ASSERT_GT(bundle.metadata().cross_fit_folds, 1);
  storage::CustomerQuery q = with_status(storage::StatusFilter::kActive);
  q.limit = 0;
  int members = 0, others = 0;
  double in_sample_gap = 0;
  ws_->store().for_each_customer(q, [&](const core::Customer& c) {
    const auto m = bundle.preprocessor().transform({c.attributes});
    const double stored = (*c.risk)["probability"].get<double>();
    const double final_model = bundle.predict_matrix(m).at(0);
    if (bundle.cross_fit_fold(c.external_id) >= 0) {
      ++members;
      EXPECT_NEAR(stored, bundle.predict_matrix(m, {c.external_id}).at(0), 1e-6) << c.external_id;
      in_sample_gap += std::abs(stored - final_model);
    } else {
      ++others;
      EXPECT_NEAR(stored, final_model, 1e-6) << c.external_id;
    }
  });
  EXPECT_GT(members, 500);  // 60 % of the labelled customers were fitted on
  EXPECT_GT(others, 300);
  EXPECT_GT(in_sample_gap / members, 1e-4) << "members scored as the final model scores them";
  // What a stored customer read returns is that same score.
  const auto id = some_customer();
  auto one = scoring_->score_customer(id);
  const auto c = ws_->store().find_customer(id);
  EXPECT_NEAR(one.probability,
              bundle.predict_matrix(bundle.preprocessor().transform({c->attributes}), {id}).at(0), 1e-6);
}

TEST(ScoringSpeed, TenThousandCustomers) {
  DemoWorkspace ws(10000);
  ModelService models(ws.store(), ws.models_dir());
  ScoringService scoring(ws.store(), models);
  models.train(testing::quick_request());
  auto r = scoring.score_all({});
  storage::CustomerQuery active;
  active.status = storage::StatusFilter::kActive;
  EXPECT_EQ(r.scored, ws.store().list_customers(active).total);
  std::cout << "score_all: " << r.scored << " customers in " << r.seconds << " s (" << r.scored / r.seconds
            << " customers/s)\n";
}

}  // namespace
}  // namespace churnwatch::services
