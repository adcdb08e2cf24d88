// The Tracker over an MLflow tracking server's REST API (/api/2.0/mlflow/...).
// Params, tags and metrics go in runs/log-batch requests cut to MLflow's
// limits (1000 metrics, 100 params, 100 tags per request). Artifacts are
// uploaded when the run's artifact_uri is `mlflow-artifacts:` (a server
// started with artifact serving, the default since MLflow 2.0) with
// PUT /api/2.0/mlflow-artifacts/artifacts/<path>; a `file:` artifact_uri is
// written directly (server and client share the disk); any other store
// (s3:, gs:, ...) is refused with core::Unavailable saying so.
#pragma once

#include <memory>

#include "tracking/rest_client.hpp"
#include "tracking/tracker.hpp"

namespace churnwatch::tracking {

class RestTracker final : public Tracker {
 public:
  explicit RestTracker(RestOptions options);

  RunHandle start_run(const std::string& experiment_name, const std::string& run_name,
                      const Tags& tags = {}) override;
  void log_params(const RunHandle& run, const Params& params) override;
  void log_metrics(const RunHandle& run, const std::vector<Metric>& metrics) override;
  void set_tags(const RunHandle& run, const Tags& tags) override;
  void log_artifact(const RunHandle& run, const std::filesystem::path& local_file,
                    const std::string& artifact_path = "") override;
  void end_run(const RunHandle& run, RunStatus status = RunStatus::kFinished) override;
  std::vector<RunInfo> list_runs(const std::string& experiment_name, std::size_t limit) override;
  RunInfo get_run(const std::string& run_id) override;
  std::vector<ArtifactFile> list_artifacts(const std::string& run_id) override;
  std::string location() const override;

 private:
  // The experiment's id; "" when absent and `create` is false.
  std::string experiment_id_for(const std::string& name, bool create);

  std::unique_ptr<RestClient> client_;
};

}  // namespace churnwatch::tracking
