#include "cli/ml_runtime.hpp"

#include "core/errors.hpp"
#include "tracking/open_tracker.hpp"

namespace churnwatch::cli {

std::filesystem::path models_dir(const core::Config& config) {
  return std::filesystem::path(config.data_dir) / "models";
}

services::ModelServiceOptions model_options(const core::Config& config) {
  services::ModelServiceOptions o;
  o.auto_promote = config.auto_promote;
  return o;
}

std::unique_ptr<tracking::Tracker> open_training_tracker(const core::Config& config) {
  return tracking::open_tracker(config.mlflow_tracking_uri, std::filesystem::path(config.data_dir) / "mlruns");
}

services::ScoringOptions scoring_options(const core::Config& config) {
  services::ScoringOptions o;
  o.high_risk_threshold = config.high_risk_threshold;
  if (!config.risk_levels.empty()) {
    try {
      auto j = nlohmann::json::parse(config.risk_levels);
      if (!j.is_array() || j.empty()) throw core::Invalid("expected a non-empty JSON array of bands");
      o.levels = j.get<ml::RiskLevels>();
    } catch (const std::exception& e) {
      throw core::Invalid(std::string("environment variable CHURNWATCH_RISK_LEVELS must be a JSON array like "
                                      "[{\"name\":\"low\",\"upper\":0.5},{\"name\":\"high\",\"upper\":1}]: ") +
                          e.what());
    }
  }
  return o;
}

}  // namespace churnwatch::cli
