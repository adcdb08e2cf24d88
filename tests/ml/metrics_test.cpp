#include "ml/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/errors.hpp"

namespace churnwatch::ml {
namespace {

// The classic four-row example: scikit-learn gives AUC 0.75 and AP 0.8333.
const std::vector<double> kP{0.1, 0.4, 0.35, 0.8};
const std::vector<int> kY{0, 0, 1, 1};

TEST(Metrics, RankingMeasuresMatchHandComputedValues) {
  EXPECT_DOUBLE_EQ(roc_auc(kP, kY), 0.75);
  EXPECT_NEAR(pr_auc(kP, kY), 0.5 * 1.0 + 0.5 * (2.0 / 3.0), 1e-12);
}

TEST(Metrics, ProbabilityMeasuresMatchHandComputedValues) {
  const double ll = -(std::log(0.9) + std::log(0.6) + std::log(0.35) + std::log(0.8)) / 4;
  EXPECT_NEAR(log_loss(kP, kY), ll, 1e-12);
  EXPECT_NEAR(brier(kP, kY), (0.01 + 0.16 + 0.4225 + 0.04) / 4, 1e-12);
}

TEST(Metrics, TiedScoresCountHalf) {
  EXPECT_DOUBLE_EQ(roc_auc(std::vector<double>{0.5, 0.5}, std::vector<int>{0, 1}), 0.5);
  EXPECT_DOUBLE_EQ(roc_auc(std::vector<double>{0.2, 0.5, 0.5}, std::vector<int>{0, 0, 1}), 0.75);
}

TEST(Metrics, DecisionMeasuresAtThreshold) {
  const auto m = evaluate(kP, kY, 0.5);
  EXPECT_EQ(m.confusion.tp, 1);
  EXPECT_EQ(m.confusion.fp, 0);
  EXPECT_EQ(m.confusion.tn, 2);
  EXPECT_EQ(m.confusion.fn, 1);
  EXPECT_DOUBLE_EQ(m.accuracy, 0.75);
  EXPECT_DOUBLE_EQ(m.precision, 1.0);
  EXPECT_DOUBLE_EQ(m.recall, 0.5);
  EXPECT_NEAR(m.f1, 2.0 / 3.0, 1e-12);
  EXPECT_EQ(m.rows, 4);
  EXPECT_EQ(m.positives, 2);
  // ROC starts at the origin and ends at (1, 1).
  EXPECT_DOUBLE_EQ(m.roc.front().x, 0.0);
  EXPECT_DOUBLE_EQ(m.roc.back().x, 1.0);
  EXPECT_DOUBLE_EQ(m.roc.back().y, 1.0);
}

TEST(Metrics, ThresholdMaximisesF1ByDefault) {
  // Cuts: 0.8 -> F1 2/3, 0.4 -> 1/2, 0.35 -> 4/5, 0.1 -> 2/3.
  EXPECT_DOUBLE_EQ(choose_threshold(kP, kY, {}), 0.35);
}

TEST(Metrics, ThresholdMinimisesExpectedCost) {
  // A missed churner costing 10 needless calls: catch both (one false alarm).
  EXPECT_DOUBLE_EQ(choose_threshold(kP, kY, {10.0}), 0.35);
  // A missed churner costing a tenth of a call: flag only the surest one.
  EXPECT_DOUBLE_EQ(choose_threshold(kP, kY, {0.1}), 0.8);
  EXPECT_THROW(choose_threshold(kP, kY, {0.0}), core::Invalid);
}

TEST(Metrics, CurvesAreDownsampledAndBinsCoverEveryRow) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<double> p;
  std::vector<int> y;
  for (int i = 0; i < 5000; ++i) {
    p.push_back(u(rng));
    y.push_back(u(rng) < p.back() ? 1 : 0);
  }
  const auto m = evaluate(p, y, 0.5);
  EXPECT_LE(m.roc.size(), kMaxCurvePoints);
  EXPECT_LE(m.pr.size(), kMaxCurvePoints);
  EXPECT_GE(m.roc.size(), 50u);
  ASSERT_EQ(m.calibration.size(), kCalibrationBins);
  std::int64_t total = 0;
  for (const auto& b : m.calibration) {
    total += b.count;
    // Data drawn calibrated: each bin's churn rate is near its mean prediction.
    EXPECT_NEAR(b.fraction_positive, b.mean_predicted, 0.08);
  }
  EXPECT_EQ(total, 5000);
}

TEST(Metrics, JsonRoundTripKeepsEveryField) {
  const auto m = evaluate(kP, kY, 0.35);
  const auto back = nlohmann::json(m).get<Metrics>();
  EXPECT_EQ(nlohmann::json(back), nlohmann::json(m));
}

TEST(Registry, HigherAucWins) {
  Metrics prod, cand;
  prod.roc_auc = 0.860;
  cand.roc_auc = 0.870;
  EXPECT_TRUE(beats(cand, prod));
  EXPECT_FALSE(beats(prod, cand));
}

TEST(Registry, NearTiesFallBackToPrAucThenLogLoss) {
  Metrics prod, cand;
  prod.roc_auc = 0.8600;
  cand.roc_auc = 0.8605;  // within the tie band
  prod.pr_auc = 0.70;
  cand.pr_auc = 0.65;
  EXPECT_FALSE(beats(cand, prod));
  cand.pr_auc = 0.70;
  cand.log_loss = 0.30;
  prod.log_loss = 0.35;
  EXPECT_TRUE(beats(cand, prod));
  cand.log_loss = prod.log_loss;
  EXPECT_FALSE(beats(cand, prod)) << "a full tie keeps production";
}

}  // namespace
}  // namespace churnwatch::ml
