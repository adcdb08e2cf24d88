// Explanations in the schema's own terms: SHAP contributions of the model's
// columns are summed back to the attribute they came from (all one-hot
// columns of "Geography" become one "Geography" reason).
//
// Units. XGBoost's SHAP values are additive in log-odds. A reason's
// `contribution` is in probability points: each attribute's log-odds share is
// scaled by (p - p0) / (margin - bias), where p is the customer's final
// (calibrated) probability, margin the model's log-odds for the customer, bias
// the average log-odds (SHAP's expected value) and p0 the calibrated
// probability at that bias. The scaled contributions therefore add up exactly
// to p - p0 and keep each attribute's share of the log-odds; this is a linear
// approximation of the non-linear link, which is what users read anyway ("Age
// raised the risk by 0.18"). When margin == bias (or calibration flattens the
// difference) the local slope p(1 - p) is used instead. The raw log-odds value
// is kept in `log_odds`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ml/preprocessor.hpp"

namespace churnwatch::ml {

struct Reason {
  std::string attribute;   // the schema attribute's name
  nlohmann::json value;    // the customer's value for it (null when missing)
  double contribution = 0; // probability points; > 0 raises risk
  double log_odds = 0;     // the same contribution in log-odds
  std::string text;        // "Age = 52 raises risk by 0.18"
};

struct AttributeImportance {
  std::string attribute;
  double gain = 0;           // share of XGBoost total gain (linear: share of |weight|), sums to 1
  double mean_abs_shap = 0;  // mean |SHAP| in log-odds over the evaluation rows
};

// Per-attribute log-odds contributions of one row. `contribs` holds one value
// per column followed by the bias.
std::vector<double> attribute_contributions(const Preprocessor& pre, const float* contribs);

// The `k` attributes that moved this customer's probability most, largest
// first; attributes that contributed nothing are left out.
std::vector<Reason> top_reasons(const Preprocessor& pre, const nlohmann::json& row,
                                const float* contribs, double probability, double base_probability,
                                std::size_t k);

// Global importance from per-column gain scores and a rows x (cols + 1)
// contribution matrix; sorted by gain, descending.
std::vector<AttributeImportance> global_importance(const Preprocessor& pre,
                                                   const std::vector<double>& column_gain,
                                                   const std::vector<float>& contribs,
                                                   std::size_t rows);

void to_json(nlohmann::json& j, const Reason& r);
void to_json(nlohmann::json& j, const AttributeImportance& a);
void from_json(const nlohmann::json& j, AttributeImportance& a);

}  // namespace churnwatch::ml
