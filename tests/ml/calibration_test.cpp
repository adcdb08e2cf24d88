#include "ml/calibration.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "ml/metrics.hpp"

namespace churnwatch::ml {
namespace {

// Scores that rank well but are overconfident: true probability q, reported q^0.3.
void overconfident(std::size_t n, std::vector<double>& p, std::vector<int>& y) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0, 1);
  for (std::size_t i = 0; i < n; ++i) {
    const double q = u(rng) * 0.6;
    y.push_back(u(rng) < q ? 1 : 0);
    p.push_back(std::pow(q, 0.3));
  }
}

TEST(Calibration, IsotonicIsMonotoneAndFitsStepData) {
  const std::vector<double> p{0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
  const std::vector<int> y{0, 0, 1, 0, 1, 1};
  const auto c = Calibrator::fit(CalibrationMethod::kIsotonic, p, y);
  double prev = 0;
  for (double x = 0; x <= 1.0; x += 0.01) {
    EXPECT_GE(c.apply(x), prev - 1e-12);
    prev = c.apply(x);
  }
  EXPECT_NEAR(c.apply(0.1), 1e-4, 1e-9);  // pooled block of two zeros, kept off 0
  EXPECT_NEAR(c.apply(0.35), 0.5, 1e-9);  // the violating pair pools to 1/2
}

TEST(Calibration, FixesOverconfidentScoresAndIsChosen) {
  std::vector<double> p;
  std::vector<int> y;
  overconfident(4000, p, y);
  const auto choice = choose_calibration(p, y, 1);
  EXPECT_NE(choice.calibrator.method(), CalibrationMethod::kNone);
  std::vector<double> fixed;
  for (double v : p) fixed.push_back(choice.calibrator.apply(v));
  EXPECT_LT(log_loss(fixed, y), log_loss(p, y) - 0.05);
  EXPECT_NEAR(roc_auc(fixed, y), roc_auc(p, y), 0.01) << "calibration must not destroy ranking";
}

TEST(Calibration, LeavesCalibratedScoresAlone) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<double> p;
  std::vector<int> y;
  for (int i = 0; i < 300; ++i) {
    p.push_back(u(rng));
    y.push_back(u(rng) < p.back() ? 1 : 0);
  }
  const auto choice = choose_calibration(p, y, 1);
  // Whatever is chosen must not be worse than raw on the cross-fitted estimate.
  if (choice.calibrator.method() != CalibrationMethod::kNone) {
    EXPECT_LT(std::min(choice.platt_log_loss, choice.isotonic_log_loss), choice.raw_log_loss);
  }
}

TEST(Calibration, JsonRoundTrip) {
  std::vector<double> p;
  std::vector<int> y;
  overconfident(500, p, y);
  for (auto m : {CalibrationMethod::kPlatt, CalibrationMethod::kIsotonic, CalibrationMethod::kNone}) {
    const auto c = Calibrator::fit(m, p, y);
    const auto back = nlohmann::json(c).get<Calibrator>();
    for (double x : {0.01, 0.3, 0.77}) EXPECT_DOUBLE_EQ(back.apply(x), c.apply(x));
  }
}

}  // namespace
}  // namespace churnwatch::ml
