// Training runs as the experiment tracker recorded them (training_record.hpp),
// read back for the API: the run list of the training experiment and one run
// with params, metric histories, tags, artifacts and the model version it
// produced. Works the same over the mlruns folder and an MLflow server.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "tracking/tracker.hpp"

namespace churnwatch::services {

class TrainingRuns {
 public:
  // Borrows `tracker`; null: every call throws Unavailable.
  explicit TrainingRuns(tracking::Tracker* tracker) : tracker_(tracker) {}

  // Newest first: {"items": [run summary...], "limit", "offset", "has_more"}.
  // A summary has id, name, status, start/end time, params, latest metrics,
  // tags and model_version (null when the run produced none).
  nlohmann::json list(std::int64_t limit, std::int64_t offset);
  // A summary plus "metric_history" ({key: [{step, value, timestamp}]}),
  // "artifacts" ([{path, size}]) and "artifact_uri". NotFound for an unknown id.
  nlohmann::json get(const std::string& run_id);

 private:
  tracking::Tracker& tracker();
  tracking::Tracker* tracker_;
};

}  // namespace churnwatch::services
