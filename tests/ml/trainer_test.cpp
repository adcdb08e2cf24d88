#include "ml/trainer.hpp"

#include <gtest/gtest.h>

#include <set>

#include "core/errors.hpp"
#include "ml/ml_fixtures.hpp"
#include "ml/split.hpp"

namespace churnwatch::ml {
namespace {

TrainOptions quick(Algorithm a = Algorithm::kGbdt) {
  TrainOptions o;
  o.algorithm = a;
  o.search_budget = 2;
  o.cv_folds = 3;
  o.max_rounds = 300;
  o.early_stopping_rounds = 20;
  return o;
}

TEST(Split, StratifiedAndReproducible) {
  std::vector<int> y(1000, 0);
  for (int i = 0; i < 200; ++i) y[i * 5] = 1;
  const auto a = stratified_split(y, 0.2, 0.2, 9);
  const auto b = stratified_split(y, 0.2, 0.2, 9);
  EXPECT_EQ(a.test, b.test);
  EXPECT_EQ(a.train.size(), 600u);
  EXPECT_EQ(a.validation.size(), 200u);
  EXPECT_EQ(a.test.size(), 200u);
  int test_pos = 0;
  for (auto i : a.test) test_pos += y[i];
  EXPECT_EQ(test_pos, 40) << "the test split keeps the 20% churn rate";
  std::set<std::size_t> all(a.train.begin(), a.train.end());
  all.insert(a.validation.begin(), a.validation.end());
  all.insert(a.test.begin(), a.test.end());
  EXPECT_EQ(all.size(), 1000u) << "splits are disjoint and cover every row";
  EXPECT_NE(stratified_split(y, 0.2, 0.2, 10).test, a.test);
  EXPECT_THROW(stratified_split(std::vector<int>{0, 0, 0, 1}, 0.2, 0.2, 1), core::Invalid);
}

TEST(Trainer, GbdtLearnsTheSyntheticMechanism) {
  const auto t = testing::bank_like(3000, 1);
  std::vector<double> fractions;
  const auto r = train(t.schema, t.rows, t.labels, quick(),
                       [&](double f, std::string_view) { fractions.push_back(f); });
  const auto& m = r.bundle.metadata();
  EXPECT_GE(m.test.roc_auc, 0.80);
  EXPECT_GE(m.test.f1, 0.45);
  EXPECT_EQ(m.test.rows, 600);
  EXPECT_EQ(r.test_rows.size(), 600u);
  EXPECT_EQ(r.search.size(), 2u);
  EXPECT_EQ(r.search[0].folds.size(), 3u);
  EXPECT_FALSE(r.history.empty());
  EXPECT_LE(m.params.at("rounds").get<int>(), static_cast<int>(r.history.size()));
  EXPECT_GT(m.threshold, 0.0);
  EXPECT_LT(m.threshold, 1.0);
  EXPECT_EQ(m.schema_version, 1);
  EXPECT_EQ(m.training_rows, 3000);
  EXPECT_EQ(m.training_data_hash.size(), 16u);
  EXPECT_FALSE(m.created_at.empty());
  // Progress only moves forward and finishes.
  ASSERT_FALSE(fractions.empty());
  EXPECT_TRUE(std::is_sorted(fractions.begin(), fractions.end()));
  EXPECT_DOUBLE_EQ(fractions.back(), 1.0);
  // Importance is per schema attribute; the drivers lead.
  ASSERT_EQ(m.importance.size(), 6u);
  std::set<std::string> top{m.importance[0].attribute, m.importance[1].attribute};
  EXPECT_TRUE(top.count("Age") || top.count("NumOfProducts")) << m.importance[0].attribute;
  double gain = 0;
  for (const auto& i : m.importance) gain += i.gain;
  EXPECT_NEAR(gain, 1.0, 1e-9);
}

TEST(Trainer, SameSeedSameModel) {
  const auto t = testing::bank_like(1500, 2);
  auto o = quick();
  o.search_budget = 1;
  const auto a = train(t.schema, t.rows, t.labels, o);
  const auto b = train(t.schema, t.rows, t.labels, o);
  EXPECT_EQ(a.bundle.predict_batch(t.rows), b.bundle.predict_batch(t.rows));
  EXPECT_EQ(a.bundle.metadata().training_data_hash, b.bundle.metadata().training_data_hash);
}

TEST(Trainer, RandomForestAndLogisticAlsoLearn) {
  const auto t = testing::bank_like(2000, 3);
  for (auto a : {Algorithm::kRandomForest, Algorithm::kLogistic}) {
    auto o = quick(a);
    o.search_budget = 1;
    const auto r = train(t.schema, t.rows, t.labels, o);
    EXPECT_GE(r.bundle.metadata().test.roc_auc, 0.75) << to_string(a);
    EXPECT_EQ(r.bundle.metadata().algorithm, a);
    const auto p = r.bundle.predict(t.rows[0]);
    EXPECT_GT(p.probability, 0.0);
    EXPECT_LT(p.probability, 1.0);
    EXPECT_FALSE(p.reasons.empty()) << to_string(a);
  }
}

TEST(Trainer, DifferentlyShapedTableTrainsAndPredicts) {
  const auto t = testing::subscriptions(2500, 4);
  const auto r = train(t.schema, t.rows, t.labels, quick());
  EXPECT_GE(r.bundle.metadata().test.roc_auc, 0.75);
  std::set<std::string> features;
  for (const auto& a : r.bundle.preprocessor().attributes()) features.insert(a.name);
  EXPECT_EQ(features, (std::set<std::string>{"plan", "region", "monthly_spend", "support_tickets",
                                             "signup_date", "autopay"}));
  // A brand-new plan and a missing spend still score.
  auto row = t.rows[0];
  row["plan"] = "platinum";
  row["monthly_spend"] = nullptr;
  const auto p = r.bundle.predict(row, 10);
  EXPECT_GT(p.probability, 0.0);
  EXPECT_LT(p.probability, 1.0);
  for (const auto& reason : p.reasons) {
    EXPECT_TRUE(features.count(reason.attribute)) << reason.attribute;
  }
}

TEST(Trainer, HigherMissCostLowersTheThreshold) {
  const auto t = testing::bank_like(2000, 5);
  auto o = quick();
  o.search_budget = 1;
  o.cost_ratio = 0.5;
  const auto cheap = train(t.schema, t.rows, t.labels, o);
  o.cost_ratio = 10.0;
  const auto costly = train(t.schema, t.rows, t.labels, o);
  EXPECT_LT(costly.bundle.metadata().threshold, cheap.bundle.metadata().threshold);
  EXPECT_GT(costly.bundle.metadata().test.recall, cheap.bundle.metadata().test.recall);
}

TEST(Trainer, RejectsBadInput) {
  const auto t = testing::bank_like(200, 6);
  auto labels = t.labels;
  labels[0] = 2;
  EXPECT_THROW(train(t.schema, t.rows, labels, quick()), core::Invalid);
  EXPECT_THROW(train(t.schema, t.rows, std::vector<int>(10, 0), quick()), core::Invalid);
  EXPECT_THROW(train(t.schema, t.rows, std::vector<int>(200, 0), quick()), core::Invalid)
      << "one class only";
  auto o = quick();
  o.cv_folds = 1;
  EXPECT_THROW(train(t.schema, t.rows, t.labels, o), core::Invalid);
}

}  // namespace
}  // namespace churnwatch::ml
