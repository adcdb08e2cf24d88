// Probability calibration fitted on validation rows: Platt scaling (a
// logistic curve on the log-odds) or isotonic regression (a monotone step
// function, linearly interpolated).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string_view>
#include <vector>

namespace churnwatch::ml {

enum class CalibrationMethod { kNone, kPlatt, kIsotonic };
std::string_view to_string(CalibrationMethod m);

class Calibrator {
 public:
  Calibrator() = default;  // identity
  static Calibrator fit(CalibrationMethod method, std::span<const double> p, std::span<const int> y);

  // Calibrated probability; monotone non-decreasing in `p`.
  double apply(double p) const;
  CalibrationMethod method() const { return method_; }

  friend void to_json(nlohmann::json& j, const Calibrator& c);
  friend void from_json(const nlohmann::json& j, Calibrator& c);

 private:
  CalibrationMethod method_ = CalibrationMethod::kNone;
  double a_ = 1.0, b_ = 0.0;           // Platt: sigmoid(a * logit(p) + b)
  std::vector<double> xs_, ys_;        // isotonic knots, xs_ ascending
};

// What choose_calibration decided and why.
struct CalibrationChoice {
  Calibrator calibrator;
  double raw_log_loss = 0;       // uncalibrated, on validation
  double platt_log_loss = 0;     // cross-fitted on validation (2 folds)
  double isotonic_log_loss = 0;  // cross-fitted on validation (2 folds)
};

// Compares no calibration, Platt and isotonic by validation log loss. The
// calibrated variants are scored cross-fitted (fit on one half, scored on the
// other, then swapped) so isotonic's ability to memorise cannot win unfairly;
// the winner, if not "none", is then refitted on all validation rows.
CalibrationChoice choose_calibration(std::span<const double> p, std::span<const int> y,
                                     std::uint64_t seed);

}  // namespace churnwatch::ml
