// Chooses the Tracker once, at start-up, from MLFLOW_TRACKING_URI's value.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "tracking/tracker.hpp"

namespace churnwatch::tracking {

// ""                       -> FileTracker at `default_root` (the product passes <data_dir>/mlruns)
// "file:///abs/mlruns", "file:rel", a plain path -> FileTracker there
// "http://host:port", "https://..." -> RestTracker, with auth and TLS options
//                             from MLFLOW_TRACKING_TOKEN / _USERNAME / _PASSWORD / _INSECURE_TLS
// Anything else (databricks, sqlite:, ...) throws core::Invalid naming the variable.
std::unique_ptr<Tracker> open_tracker(const std::string& tracking_uri,
                                      const std::filesystem::path& default_root);

}  // namespace churnwatch::tracking
