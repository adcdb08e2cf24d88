// Experiment tracking: every training run is recorded the way MLflow records
// it, either as an MLflow FileStore folder (`mlflow ui --backend-store-uri
// <folder>` opens it) or on an MLflow tracking server over its REST API.
// Callers hold a `Tracker` chosen once at start-up (open_tracker.hpp) and
// never ask which backend they are on.
//
//   auto run = tracker.start_run("churn", "xgboost 2026-11-28", {{"mlflow.source.git.commit", sha}});
//   tracker.log_params(run, {{"max_depth", "6"}});
//   tracker.log_metrics(run, {{"val_auc", 0.87, /*step=*/12}});
//   tracker.log_artifact(run, "model.json", "model");
//   tracker.end_run(run, RunStatus::kFinished);
//
// Limits are MLflow's, checked before anything is written or sent, so both
// backends refuse the same input with core::Invalid naming the field:
// keys are 1..250 characters of letters, digits, `_ - . /` and space, and must
// not be paths that resolve elsewhere (`..`, `./`, leading or doubled `/`),
// because the file store turns keys into file names; a param value holds at
// most 6000 characters and a tag value at most 8000 (MLflow's database
// columns); a param, once logged, cannot change value. Metric values are
// doubles (NaN and infinities allowed, as in MLflow).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace churnwatch::tracking {

inline constexpr std::size_t kMaxKeyLength = 250;
inline constexpr std::size_t kMaxParamValueLength = 6000;
inline constexpr std::size_t kMaxTagValueLength = 8000;
// Per runs/log-batch request (MLflow's documented limits).
inline constexpr std::size_t kMaxMetricsPerBatch = 1000;
inline constexpr std::size_t kMaxParamsTagsPerBatch = 100;

// MLflow's RunStatus; the numbers are what the file store writes.
enum class RunStatus { kRunning = 1, kScheduled = 2, kFinished = 3, kFailed = 4, kKilled = 5 };
// "RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED".
std::string_view to_string(RunStatus status);
// Inverse of to_string; throws core::Invalid for any other text.
RunStatus run_status_from_string(std::string_view text);

struct Metric {
  std::string key;
  double value = 0;
  std::int64_t step = 0;
  std::int64_t timestamp_ms = 0;  // 0: the time of logging
};

using Params = std::map<std::string, std::string>;
using Tags = std::map<std::string, std::string>;

// What start_run returns and the other calls take.
struct RunHandle {
  std::string run_id;         // 32 lowercase hex characters
  std::string experiment_id;  // a numeric string; "0" is MLflow's Default experiment
  std::string artifact_uri;   // where log_artifact puts files
};

struct RunInfo {
  std::string run_id;
  std::string experiment_id;
  std::string name;  // the run name (tag mlflow.runName)
  RunStatus status = RunStatus::kRunning;
  std::int64_t start_time = 0;              // ms since the epoch
  std::optional<std::int64_t> end_time;     // unset while running
  std::string artifact_uri;
  std::string user_id;
  Params params;
  Tags tags;
  // Per key, the value with the highest (step, timestamp, value), as MLflow shows it.
  std::map<std::string, Metric> latest_metrics;
  // Per key, every logged value in logging order. Filled by get_run only.
  std::map<std::string, std::vector<Metric>> metric_history;
};

// A file below a run's artifact root.
struct ArtifactFile {
  std::string path;        // relative to the artifact root, '/'-separated ("model/bundle.json")
  std::int64_t size = 0;   // bytes
};

class Tracker {
 public:
  virtual ~Tracker() = default;

  // Creates the experiment when no experiment has that name (empty: MLflow's
  // "Default", id "0") and starts a RUNNING run named `run_name` (tag
  // mlflow.runName) with `tags` (mlflow.user is added when absent).
  virtual RunHandle start_run(const std::string& experiment_name, const std::string& run_name,
                              const Tags& tags = {}) = 0;
  // Logs params; re-logging a key with the same value is a no-op, with
  // another value throws core::Invalid and changes nothing.
  virtual void log_params(const RunHandle& run, const Params& params) = 0;
  // Appends metric values (a history per key, ordered as logged).
  virtual void log_metrics(const RunHandle& run, const std::vector<Metric>& metrics) = 0;
  // Sets tags, replacing earlier values of the same keys.
  virtual void set_tags(const RunHandle& run, const Tags& tags) = 0;
  // Copies `local_file` to <artifact_uri>/<artifact_path>/<file name>
  // (`artifact_path` empty: the artifact root). Throws NotFound when the
  // local file does not exist.
  virtual void log_artifact(const RunHandle& run, const std::filesystem::path& local_file,
                            const std::string& artifact_path = "") = 0;
  // Sets the final status and end time.
  virtual void end_run(const RunHandle& run, RunStatus status = RunStatus::kFinished) = 0;

  // The experiment's runs, newest start first, at most `limit`, with params,
  // tags and latest metrics (no histories). An unknown experiment has none.
  virtual std::vector<RunInfo> list_runs(const std::string& experiment_name, std::size_t limit) = 0;
  // One run with full metric histories. Throws NotFound for an unknown id.
  virtual RunInfo get_run(const std::string& run_id) = 0;
  // Every file below the run's artifact root, sorted by path. Throws
  // NotFound for an unknown run.
  virtual std::vector<ArtifactFile> list_artifacts(const std::string& run_id) = 0;

  // Where runs go, for logs and the API ("file:///data/mlruns", "http://mlflow:5000").
  virtual std::string location() const = 0;
};

}  // namespace churnwatch::tracking
