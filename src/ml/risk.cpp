#include "ml/risk.hpp"

#include <set>

#include "core/errors.hpp"

namespace churnwatch::ml {

RiskLevels::RiskLevels()
    : bands_{{"very_low", 0.2}, {"low", 0.4}, {"medium", 0.6}, {"high", 0.8}, {"very_high", 1.0}} {}

RiskLevels::RiskLevels(std::vector<RiskBand> bands) : bands_(std::move(bands)) {
  std::vector<core::FieldError> errors;
  if (bands_.empty()) errors.push_back({"bands", "at least one band is required", {}, {}});
  std::set<std::string> names;
  double prev = 0.0;
  for (std::size_t i = 0; i < bands_.size(); ++i) {
    const auto field = "bands[" + std::to_string(i) + "]";
    if (bands_[i].name.empty()) errors.push_back({field + ".name", "must not be empty", {}, {}});
    if (!names.insert(bands_[i].name).second) {
      errors.push_back({field + ".name", "duplicate band name '" + bands_[i].name + "'", {}, {}});
    }
    if (i + 1 < bands_.size()) {
      if (!(bands_[i].upper > prev && bands_[i].upper <= 1.0)) {
        errors.push_back({field + ".upper", "bounds must increase strictly within (0, 1]", {}, {}});
      }
      prev = bands_[i].upper;
    }
  }
  if (!errors.empty()) throw core::Invalid("invalid risk levels", std::move(errors));
}

std::string_view RiskLevels::level(double p) const {
  for (std::size_t i = 0; i + 1 < bands_.size(); ++i) {
    if (p < bands_[i].upper) return bands_[i].name;
  }
  return bands_.back().name;
}

std::string_view risk_level(double p) {
  static const RiskLevels defaults;
  return defaults.level(p);
}

void to_json(nlohmann::json& j, const RiskLevels& r) {
  j = nlohmann::json::array();
  for (const auto& b : r.bands()) j.push_back({{"name", b.name}, {"upper", b.upper}});
}

void from_json(const nlohmann::json& j, RiskLevels& r) {
  std::vector<RiskBand> bands;
  for (const auto& b : j) bands.push_back({b.at("name").get<std::string>(), b.value("upper", 1.0)});
  r = RiskLevels(std::move(bands));
}

}  // namespace churnwatch::ml
