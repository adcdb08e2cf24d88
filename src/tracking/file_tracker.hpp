// The Tracker over an MLflow FileStore folder, written as MLflow 2.x writes
// it, so `mlflow ui --backend-store-uri <root>` (or `mlflow ui` run inside
// the folder's parent when it is named mlruns) shows our runs, and runs that
// MLflow wrote can be read back:
//
//   <root>/.trash/
//   <root>/<experiment_id>/meta.yaml            experiment: name, artifact_location, ...
//   <root>/<experiment_id>/<run_id>/meta.yaml   run: status (1..5), start/end time, ...
//   <root>/<experiment_id>/<run_id>/params/<key>    the value, no newline
//   <root>/<experiment_id>/<run_id>/tags/<key>      the value, no newline
//   <root>/<experiment_id>/<run_id>/metrics/<key>   "<timestamp_ms> <value> <step>\n" per value
//   <root>/<experiment_id>/<run_id>/artifacts/...
//
// Experiment "0" ("Default") is created with the folder. Several processes
// may log into one folder at once: files appear by rename, params by link
// (first writer wins, a different value is refused), metric lines by single
// O_APPEND writes, and experiment creation is serialised with a lock file
// (<root>/.lock) so one name never gets two ids.
#pragma once

#include <filesystem>
#include <mutex>
#include <string>

#include "tracking/tracker.hpp"

namespace churnwatch::tracking {

class FileTracker final : public Tracker {
 public:
  // Creates `root`, its .trash folder and the Default experiment when absent.
  // Throws Unavailable when the folder cannot be created.
  explicit FileTracker(std::filesystem::path root);

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

  const std::filesystem::path& root() const { return root_; }

 private:
  // The id of the active experiment with that name, created when missing.
  std::string experiment_id_for(const std::string& name, bool create);
  std::filesystem::path run_dir(const RunHandle& run) const;
  void write_run_meta(const std::filesystem::path& dir, const RunInfo& info);
  RunInfo read_run(const std::filesystem::path& dir, bool with_history) const;
  void create_experiment(const std::string& id, const std::string& name);

  std::filesystem::path root_;
  std::mutex meta_mutex_;  // serialises meta.yaml rewrites within this process
};

}  // namespace churnwatch::tracking
