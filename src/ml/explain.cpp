#include "ml/explain.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <numeric>

namespace churnwatch::ml {
namespace {

std::string value_text(const nlohmann::json& v) {
  if (v.is_null()) return "missing";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) return fmt::format("{:g}", v.get<double>());
  return v.dump();
}

}  // namespace

std::vector<double> attribute_contributions(const Preprocessor& pre, const float* contribs) {
  std::vector<double> out(pre.attributes().size(), 0.0);
  const auto& cols = pre.columns();
  for (std::size_t c = 0; c < cols.size(); ++c) out[cols[c].attribute] += contribs[c];
  return out;
}

std::vector<Reason> top_reasons(const Preprocessor& pre, const nlohmann::json& row,
                                const float* contribs, double probability, double base_probability,
                                std::size_t k) {
  const auto per_attr = attribute_contributions(pre, contribs);
  const double bias = contribs[pre.cols()];
  const double margin = std::accumulate(per_attr.begin(), per_attr.end(), bias);
  double factor = probability * (1.0 - probability);
  if (std::abs(margin - bias) > 1e-9) {
    const double ratio = (probability - base_probability) / (margin - bias);
    if (std::isfinite(ratio) && ratio > 0) factor = ratio;
  }
  std::vector<std::size_t> order(per_attr.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) {
    return std::abs(per_attr[a]) > std::abs(per_attr[b]);
  });
  std::vector<Reason> out;
  for (const auto a : order) {
    if (out.size() >= k || per_attr[a] == 0.0) break;
    const auto& attr = pre.attributes()[a];
    Reason r;
    r.attribute = attr.name;
    const auto it = row.find(attr.name);
    r.value = it == row.end() ? nlohmann::json(nullptr) : *it;
    r.log_odds = per_attr[a];
    r.contribution = per_attr[a] * factor;
    const bool missing = r.value.is_null();
    r.text = fmt::format("{}{}{} {} risk by {:.2f}", attr.name, missing ? " is " : " = ",
                         value_text(r.value), r.contribution >= 0 ? "raises" : "lowers",
                         std::abs(r.contribution));
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<AttributeImportance> global_importance(const Preprocessor& pre,
                                                   const std::vector<double>& column_gain,
                                                   const std::vector<float>& contribs,
                                                   std::size_t rows) {
  const auto n_attr = pre.attributes().size();
  std::vector<AttributeImportance> out(n_attr);
  for (std::size_t a = 0; a < n_attr; ++a) out[a].attribute = pre.attributes()[a].name;
  double total_gain = 0;
  for (std::size_t c = 0; c < pre.cols(); ++c) {
    out[pre.columns()[c].attribute].gain += std::abs(column_gain.at(c));
    total_gain += std::abs(column_gain[c]);
  }
  const std::size_t stride = pre.cols() + 1;
  for (std::size_t r = 0; r < rows; ++r) {
    const auto per_attr = attribute_contributions(pre, contribs.data() + r * stride);
    for (std::size_t a = 0; a < n_attr; ++a) out[a].mean_abs_shap += std::abs(per_attr[a]);
  }
  for (auto& imp : out) {
    if (total_gain > 0) imp.gain /= total_gain;
    if (rows > 0) imp.mean_abs_shap /= static_cast<double>(rows);
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.gain > b.gain; });
  return out;
}

void to_json(nlohmann::json& j, const Reason& r) {
  j = {{"attribute", r.attribute},
       {"value", r.value},
       {"contribution", r.contribution},
       {"log_odds", r.log_odds},
       {"text", r.text}};
}

void to_json(nlohmann::json& j, const AttributeImportance& a) {
  j = {{"attribute", a.attribute}, {"gain", a.gain}, {"mean_abs_shap", a.mean_abs_shap}};
}

void from_json(const nlohmann::json& j, AttributeImportance& a) {
  a.attribute = j.at("attribute").get<std::string>();
  a.gain = j.at("gain").get<double>();
  a.mean_abs_shap = j.at("mean_abs_shap").get<double>();
}

}  // namespace churnwatch::ml
