// Risk levels: named probability bands shown to users and used by alert rules.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace churnwatch::ml {

// Probability at or above which a customer counts as high risk by default.
inline constexpr double kDefaultHighRiskThreshold = 0.7;

struct RiskBand {
  std::string name;
  double upper = 1.0;  // the band holds probabilities below `upper`; the last band holds the rest
};

class RiskLevels {
 public:
  // very_low < 0.2, low < 0.4, medium < 0.6, high < 0.8, very_high >= 0.8.
  RiskLevels();
  // Throws Invalid unless names are non-empty and unique and the upper bounds
  // strictly increase within (0, 1]; the last band's bound is ignored.
  explicit RiskLevels(std::vector<RiskBand> bands);

  // The name of the band `p` falls in.
  std::string_view level(double p) const;
  const std::vector<RiskBand>& bands() const { return bands_; }

 private:
  std::vector<RiskBand> bands_;
};

// risk_level(p) with the default bands.
std::string_view risk_level(double p);

void to_json(nlohmann::json& j, const RiskLevels& r);
void from_json(const nlohmann::json& j, RiskLevels& r);

}  // namespace churnwatch::ml
