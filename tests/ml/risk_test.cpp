#include "ml/risk.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"

namespace churnwatch::ml {
namespace {

TEST(RiskLevels, DefaultBands) {
  EXPECT_EQ(risk_level(0.0), "very_low");
  EXPECT_EQ(risk_level(0.19), "very_low");
  EXPECT_EQ(risk_level(0.2), "low");
  EXPECT_EQ(risk_level(0.5), "medium");
  EXPECT_EQ(risk_level(0.79), "high");
  EXPECT_EQ(risk_level(0.8), "very_high");
  EXPECT_EQ(risk_level(1.0), "very_high");
  EXPECT_DOUBLE_EQ(kDefaultHighRiskThreshold, 0.7);
}

TEST(RiskLevels, CustomBandsRoundTripThroughJson) {
  const RiskLevels levels({{"ok", 0.5}, {"watch", 0.9}, {"act", 1.0}});
  EXPECT_EQ(levels.level(0.49), "ok");
  EXPECT_EQ(levels.level(0.95), "act");
  const auto back = nlohmann::json(levels).get<RiskLevels>();
  EXPECT_EQ(back.level(0.6), "watch");
  EXPECT_EQ(back.bands().size(), 3u);
}

TEST(RiskLevels, RejectsBadBands) {
  EXPECT_THROW(RiskLevels(std::vector<RiskBand>{}), core::Invalid);
  EXPECT_THROW(RiskLevels({{"a", 0.5}, {"b", 0.4}, {"c", 1}}), core::Invalid);
  EXPECT_THROW(RiskLevels({{"a", 0.5}, {"a", 1}}), core::Invalid);
  EXPECT_THROW(RiskLevels({{"", 0.5}, {"b", 1}}), core::Invalid);
}

}  // namespace
}  // namespace churnwatch::ml
