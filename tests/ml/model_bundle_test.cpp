#include "ml/model_bundle.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <set>
#include <unistd.h>
#include <thread>

#include "core/errors.hpp"
#include "ml/ml_fixtures.hpp"
#include "ml/trainer.hpp"

namespace churnwatch::ml {
namespace {

// One small trained model shared by the tests of this file.
class ModelBundleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    table_ = new testing::Table(testing::bank_like(2000, 21));
    TrainOptions o;
    o.search_budget = 1;
    o.max_rounds = 200;
    result_ = new TrainResult(train(table_->schema, table_->rows, table_->labels, o));
  }
  static void TearDownTestSuite() {
    delete result_;
    delete table_;
  }
  static std::filesystem::path temp_dir(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() /
               ("churnwatch_ml_" + name + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    return dir;
  }
  static testing::Table* table_;
  static TrainResult* result_;
};
testing::Table* ModelBundleTest::table_ = nullptr;
TrainResult* ModelBundleTest::result_ = nullptr;

TEST_F(ModelBundleTest, SaveLoadGivesIdenticalPredictions) {
  const auto dir = temp_dir("roundtrip");
  const auto& bundle = result_->bundle;
  bundle.save(dir);
  EXPECT_TRUE(std::filesystem::exists(dir / "booster.json"));
  EXPECT_TRUE(std::filesystem::exists(dir / "bundle.json"));
  const auto loaded = ModelBundle::load(dir);
  EXPECT_EQ(loaded.predict_batch(table_->rows), bundle.predict_batch(table_->rows));
  const auto a = bundle.predict(table_->rows[5]);
  const auto b = loaded.predict(table_->rows[5]);
  EXPECT_EQ(a.probability, b.probability);
  ASSERT_EQ(a.reasons.size(), b.reasons.size());
  for (std::size_t i = 0; i < a.reasons.size(); ++i) EXPECT_EQ(a.reasons[i].text, b.reasons[i].text);
  EXPECT_EQ(nlohmann::json(loaded.metadata()), nlohmann::json(bundle.metadata()));
  EXPECT_EQ(loaded.calibrator().method(), bundle.calibrator().method());
  std::filesystem::remove_all(dir);
}

TEST_F(ModelBundleTest, LoadReportsMissingAndMalformedBundles) {
  EXPECT_THROW(ModelBundle::load(temp_dir("absent")), core::NotFound);
  const auto dir = temp_dir("broken");
  result_->bundle.save(dir);
  std::ofstream(dir / "bundle.json") << "{\"format\": 1}";
  EXPECT_THROW(ModelBundle::load(dir), core::Invalid);
  std::filesystem::remove_all(dir);
}

TEST_F(ModelBundleTest, SingleBatchAndReasonFreePathsAgree) {
  const auto& bundle = result_->bundle;
  const auto batch = bundle.predict_batch(table_->rows);
  for (std::size_t i = 0; i < 50; ++i) {
    EXPECT_NEAR(bundle.predict(table_->rows[i]).probability, batch[i], 1e-5) << i;
    EXPECT_NEAR(bundle.predict(table_->rows[i], 0).probability, batch[i], 1e-6) << i;
  }
}

TEST_F(ModelBundleTest, ConcurrentPredictEqualsSequential) {
  const auto& bundle = result_->bundle;
  const std::size_t n = 400;
  std::vector<double> expected(n);
  for (std::size_t i = 0; i < n; ++i) expected[i] = bundle.predict(table_->rows[i]).probability;
  const auto batch_expected = bundle.predict_batch(table_->rows);
  constexpr int kThreads = 8;
  std::vector<std::vector<double>> got(kThreads, std::vector<double>(n));
  std::vector<int> batch_ok(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t k = 0; k < n; ++k) {
        const std::size_t i = (k * 7 + static_cast<std::size_t>(t) * 13) % n;
        got[t][i] = bundle.predict(table_->rows[i], t % 2 ? 3 : 0).probability;
      }
      batch_ok[t] = bundle.predict_batch(table_->rows) == batch_expected;
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    for (std::size_t i = 0; i < n; ++i) ASSERT_NEAR(got[t][i], expected[i], 1e-6) << t << " " << i;
    EXPECT_TRUE(batch_ok[t]) << t;
  }
}

TEST_F(ModelBundleTest, ReasonsNameSchemaAttributesWithTheCustomersValue) {
  const auto& bundle = result_->bundle;
  // The oldest inactive customer with many products: age must be a reason to worry.
  nlohmann::json row = table_->rows[0];
  row["Age"] = 75;
  row["IsActiveMember"] = false;
  row["NumOfProducts"] = 4;
  row["Geography"] = "Germany";
  const auto p = bundle.predict(row, 4);
  ASSERT_EQ(p.reasons.size(), 4u);
  EXPECT_GT(p.probability, 0.5);
  std::set<std::string> names;
  for (std::size_t i = 0; i < p.reasons.size(); ++i) {
    const auto& r = p.reasons[i];
    names.insert(r.attribute);
    EXPECT_TRUE(bundle.preprocessor().attributes().end() !=
                std::find_if(bundle.preprocessor().attributes().begin(),
                             bundle.preprocessor().attributes().end(),
                             [&](const auto& a) { return a.name == r.attribute; }));
    EXPECT_EQ(r.value, row[r.attribute]);
    if (i > 0) {
      EXPECT_GE(std::abs(p.reasons[i - 1].contribution), std::abs(r.contribution));
    }
    EXPECT_EQ(r.contribution > 0, r.log_odds > 0);
  }
  EXPECT_TRUE(names.count("Age"));
  EXPECT_FALSE(names.count("Geography=Germany")) << "one-hot columns are summed back";
  const auto age = std::find_if(p.reasons.begin(), p.reasons.end(),
                                [](const auto& r) { return r.attribute == "Age"; });
  EXPECT_GT(age->contribution, 0.0);
  EXPECT_EQ(age->text, fmt::format("Age = 75 raises risk by {:.2f}", age->contribution));
}

TEST_F(ModelBundleTest, ProbabilityContributionsAddUpToTheChangeFromBase) {
  const auto& bundle = result_->bundle;
  const auto& row = table_->rows[9];
  const auto p = bundle.predict(row, 100);
  // With every reason listed, contributions sum to p - p0 where p0 is the
  // probability of an average customer (SHAP's expected value).
  double sum = 0;
  for (const auto& r : p.reasons) sum += r.contribution;
  FeatureMatrix m;
  m.rows = 1;
  m.cols = bundle.preprocessor().cols();
  m.values.resize(m.cols);
  bundle.preprocessor().transform_row(row, m.values.data());
  const auto contribs = bundle.contributions(m);
  const double p0 = bundle.calibrator().apply(1.0 / (1.0 + std::exp(-contribs.back())));
  EXPECT_NEAR(sum, p.probability - p0, 1e-4);
}

}  // namespace
}  // namespace churnwatch::ml

namespace churnwatch::ml {
namespace {

TEST(ForestEvaluator, AgreesWithXgboostForEveryTreeAlgorithm) {
  auto t = testing::subscriptions(1500, 8);  // has missing values
  for (auto a : {Algorithm::kGbdt, Algorithm::kRandomForest, Algorithm::kLogistic}) {
    TrainOptions o;
    o.algorithm = a;
    o.search_budget = 1;
    o.max_rounds = 100;
    const auto r = train(t.schema, t.rows, t.labels, o);
    const auto m = r.bundle.preprocessor().transform(t.rows);
    const auto fast = r.bundle.predict_raw(m);
    const auto reference = r.bundle.predict_xgboost(m);
    ASSERT_EQ(fast.size(), reference.size());
    for (std::size_t i = 0; i < fast.size(); ++i) {
      ASSERT_NEAR(fast[i], reference[i], 1e-5) << to_string(a) << " row " << i;
    }
  }
}

}  // namespace
}  // namespace churnwatch::ml
