// Records one training run through the experiment Tracker (tracking/), as
// MLflow would show it:
//   params    algorithm, search_budget, seed, cost_ratio, cv_folds, row counts,
//             and the winning booster parameters as "xgb.<name>";
//   metrics   per boosting round of the final model (step = round):
//             train_log_loss, validation_log_loss, validation_auc; per CV fold
//             of the winning candidate (step = fold): cv_auc, cv_log_loss; per
//             searched candidate (step = candidate): search_cv_auc; final
//             test_* and validation_* measures and threshold (step 0);
//   tags      mlflow.source.git.commit (when the build knew it),
//             churnwatch.schema_version, churnwatch.data_hash,
//             churnwatch.source, and once registered churnwatch.model_version
//             and churnwatch.promoted;
//   artifacts model/ (the bundle's files), feature_importance.json,
//             roc_curve.json, pr_curve.json, confusion_matrix.json.
//
// Tracking never decides whether a model is trained: when the tracker fails
// (an MLflow server that is down), the failure is logged and the training
// goes on unrecorded.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "ml/trainer.hpp"
#include "storage/store.hpp"
#include "tracking/run_scope.hpp"
#include "tracking/tracker.hpp"

namespace churnwatch::services {

// The experiment every training run is recorded in.
inline constexpr const char* kTrainingExperiment = "churnwatch-training";

// Tag keys the runs API reads back.
inline constexpr const char* kTagModelVersion = "churnwatch.model_version";
inline constexpr const char* kTagSource = "churnwatch.source";

// The commit the binary was built from (CMake asks git at configure time);
// "" when unknown.
std::string build_git_commit();

class TrainingRecord {
 public:
  // Starts a run when `tracker` is not null. `source` says what started the
  // training ("job:<id>", "cli", "api").
  TrainingRecord(tracking::Tracker* tracker, const std::string& algorithm, const std::string& source,
                 int schema_version);
  // Ends the run as FAILED unless registered() finished it.
  ~TrainingRecord() = default;

  // The run id; "" when nothing is recorded.
  std::string run_id() const;
  // Params, metrics and artifacts of a finished training; `bundle_dir` holds
  // the saved bundle.
  void trained(const ml::TrainResult& result, const nlohmann::json& request_params,
               const std::filesystem::path& bundle_dir);
  // Tags the version the training produced and ends the run FINISHED.
  void registered(const storage::ModelRecord& model, bool promoted);

 private:
  template <class Fn>
  void guarded(const char* what, Fn&& fn);

  tracking::Tracker* tracker_ = nullptr;
  std::unique_ptr<tracking::RunScope> run_;
};

}  // namespace churnwatch::services
