// The model and scoring services as the configuration asks for them, shared
// by serve and the model commands.
#pragma once

#include <filesystem>
#include <memory>

#include "core/config.hpp"
#include "services/model_service.hpp"
#include "services/scoring_service.hpp"
#include "tracking/tracker.hpp"

namespace churnwatch::cli {

// <data_dir>/models: one folder per model version.
std::filesystem::path models_dir(const core::Config& config);
services::ModelServiceOptions model_options(const core::Config& config);
// The experiment tracker named by MLFLOW_TRACKING_URI (default: the folder
// <data_dir>/mlruns). Invalid naming the variable for an unsupported URI.
std::unique_ptr<tracking::Tracker> open_training_tracker(const core::Config& config);
// Risk bands and high-risk threshold; Invalid naming CHURNWATCH_RISK_LEVELS
// when its JSON is not a valid list of bands.
services::ScoringOptions scoring_options(const core::Config& config);

}  // namespace churnwatch::cli
