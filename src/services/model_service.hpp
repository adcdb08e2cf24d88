// Model use cases: train a model on the labelled customers, keep every
// version in the registry (candidate / production / archived), promote and
// roll back, and hand out the production model for scoring.
//
// Bundles live in <models_dir>/v<version>; the registry row's `artifact` is
// that folder relative to the data dir (models_dir's parent), e.g.
// "models/v3", named by the store in the transaction that assigns the
// version. A training writes the bundle to a temporary folder first and
// renames it once registered, so a reader never sees half a bundle. A
// training with a `source` (a job) registers at most one version: a retry of
// a job whose worker died after registering finds that version and only puts
// its folder in place if it is missing.
//
// Every training is recorded through the experiment tracker when one is
// given (training_record.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ml/model_bundle.hpp"
#include "services/progress.hpp"
#include "storage/store.hpp"
#include "tracking/tracker.hpp"

namespace churnwatch::services {

struct ModelServiceOptions {
  // A new model replaces production only when it beats it on the candidate's
  // test rows (ml::beats), or when there is no production model yet. Off: every
  // new model stays a candidate until promoted by hand.
  bool auto_promote = true;
  // How often production_bundle() asks the store whether another process
  // promoted a different version.
  std::chrono::milliseconds reload_check{3000};
  int threads = 0;  // training threads; 0: all cores
  // Where training runs are recorded (params, metrics, artifacts); null:
  // not recorded. Borrowed: it must outlive the service.
  tracking::Tracker* tracker = nullptr;
};

struct TrainRequest {
  std::string algorithm = "gbdt";  // gbdt | random_forest | logistic
  std::optional<double> cost_ratio;  // missed churner cost / needless action cost; unset: max F1
  int search_budget = 6;             // 1..50 candidates
  std::uint64_t seed = 42;
  std::optional<bool> auto_promote;  // unset: the service's option
  // What started the training ("job:<id>", "cli", "api"); not read from JSON.
  // A "job:" source registers one version however often the job is retried.
  std::string source;
};

// Reads {"algorithm", "cost_ratio", "search_budget", "seed", "auto_promote"}
// (all optional). Throws Invalid naming each bad field.
TrainRequest parse_train_request(const nlohmann::json& body);

struct TrainOutcome {
  storage::ModelRecord model;  // as stored (stage tells whether it became production)
  bool promoted = false;
  std::string reason;          // why it was or was not promoted
  double seconds = 0;
  std::string run_id;          // the tracking run; "" when not recorded
  // False when a retried job found the version its earlier attempt registered.
  bool created = true;
};

// The production model as loaded in memory.
struct LoadedModel {
  std::int64_t version = 0;
  ml::ModelBundle bundle;
};

class ModelService {
 public:
  ModelService(storage::Store& store, std::filesystem::path models_dir, ModelServiceOptions options = {});

  // Trains on every labelled customer (unlabelled ones are not training data),
  // saves, registers and — when it wins — promotes the new version. One
  // training at a time per service: a second concurrent call throws Conflict.
  // Invalid when there is no schema or too few labelled customers of a class.
  TrainOutcome train(const TrainRequest& request, const ProgressFn& progress = {});

  std::vector<storage::ModelRecord> list();
  // NotFound when no such version.
  storage::ModelRecord get(std::int64_t version);
  // Makes `version` production (the previous one becomes archived); rolling
  // back is promoting an older version. Every thread sees the new model at
  // once. NotFound when the version or its bundle folder is missing.
  storage::ModelRecord promote(std::int64_t version);

  // The production model, loaded once and shared; swapped when promoted here
  // and reloaded when the store says another process promoted a different
  // version (checked at most every options.reload_check). Conflict when there
  // is no production model.
  std::shared_ptr<const LoadedModel> production();
  std::shared_ptr<const ml::ModelBundle> production_bundle();

  const std::filesystem::path& models_dir() const { return models_dir_; }

 private:
  std::shared_ptr<const LoadedModel> load_version(std::int64_t version);

  storage::Store& store_;
  std::filesystem::path models_dir_;
  ModelServiceOptions options_;
  std::mutex training_;
  std::mutex cache_mutex_;  // guards cache_ and checked_at_ (held briefly)
  std::shared_ptr<const LoadedModel> cache_;
  std::chrono::steady_clock::time_point checked_at_{};
};

// The record as the API shows it; `details` (curves, importance, search
// trace, training history) only when asked for.
nlohmann::json model_to_json(const storage::ModelRecord& m, bool with_details);

}  // namespace churnwatch::services
