// Binary-classification quality measures, computed on held-out rows.
// Probabilities are in [0, 1]; labels are 0 (stayed) or 1 (churned).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <vector>

namespace churnwatch::ml {

struct ConfusionMatrix {
  std::int64_t tp = 0, fp = 0, tn = 0, fn = 0;
};

// A point on a ROC curve (x = false positive rate, y = true positive rate) or
// a PR curve (x = recall, y = precision), with the threshold that yields it.
struct CurvePoint {
  double x = 0, y = 0, threshold = 0;
};

// One reliability bin: rows whose probability fell in [lower, upper).
struct CalibrationBin {
  double lower = 0, upper = 0;
  double mean_predicted = 0, fraction_positive = 0;
  std::int64_t count = 0;
};

struct Metrics {
  std::int64_t rows = 0, positives = 0;
  double roc_auc = 0, pr_auc = 0, log_loss = 0, brier = 0;
  double threshold = 0.5;  // a row is flagged when probability >= threshold
  double accuracy = 0, precision = 0, recall = 0, f1 = 0;
  ConfusionMatrix confusion;
  std::vector<CurvePoint> roc, pr;         // at most kMaxCurvePoints each
  std::vector<CalibrationBin> calibration;  // kCalibrationBins equal-width bins
};

inline constexpr std::size_t kMaxCurvePoints = 101;
inline constexpr std::size_t kCalibrationBins = 10;

// Area under the ROC curve (ties count half). 0.5 when only one class is present.
double roc_auc(std::span<const double> p, std::span<const int> y);
// Average precision: sum over thresholds of (recall step) x precision, as in
// scikit-learn's average_precision_score. 0 when there are no positives.
double pr_auc(std::span<const double> p, std::span<const int> y);
// Mean negative log-likelihood, probabilities clipped to [1e-15, 1 - 1e-15].
double log_loss(std::span<const double> p, std::span<const int> y);
double brier(std::span<const double> p, std::span<const int> y);
ConfusionMatrix confusion_at(std::span<const double> p, std::span<const int> y, double threshold);

// Every measure above plus curves and calibration bins.
Metrics evaluate(std::span<const double> p, std::span<const int> y, double threshold);

// How the decision threshold is chosen on validation rows.
struct ThresholdRule {
  // Cost of missing a churner divided by the cost of a needless retention
  // action. Unset: maximise F1. Set: minimise fn * ratio + fp.
  std::optional<double> cost_ratio;
};
double choose_threshold(std::span<const double> p, std::span<const int> y, const ThresholdRule& rule);

// True when `candidate` should replace `production`, both measured on the same
// test rows: higher ROC-AUC wins; within kAucTie of each other, higher PR-AUC
// wins; within kAucTie again, lower log loss wins; a full tie keeps production.
inline constexpr double kAucTie = 1e-3;
bool beats(const Metrics& candidate, const Metrics& production);

void to_json(nlohmann::json& j, const Metrics& m);
void from_json(const nlohmann::json& j, Metrics& m);

}  // namespace churnwatch::ml
