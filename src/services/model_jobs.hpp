// Training and batch scoring as background jobs (kinds "train" and "score"):
// the API enqueues them and answers at once; a worker pool (embedded in
// serve, or `churnwatch worker`) runs them through ModelService::train and
// ScoringService::score_all, reporting progress per cross-validated
// candidate fold and boosting round (train) and per batch (score).
//
// Retries: a train job registers its model under the source "job:<id>", so a
// job retried after its worker died mid-training still yields exactly one
// model version. A score job appends risk history per batch; a retried one
// scores every matching customer again (the history shows both scorings).
//
// Cancellation: honoured until the trained model is being saved (after that
// the job finishes, so a registered model is never left half done) and
// between scoring batches (batches already written stay).
#pragma once

#include <nlohmann/json.hpp>

#include "queue/job_queue.hpp"
#include "queue/worker_pool.hpp"
#include "services/customers.hpp"
#include "services/model_service.hpp"
#include "services/scoring_service.hpp"
#include "services/transfer_jobs.hpp"
#include "storage/store.hpp"

namespace churnwatch::services {

inline constexpr const char* kTrainJobKind = "train";
inline constexpr const char* kScoreJobKind = "score";

class ModelJobs {
 public:
  ModelJobs(storage::Store& store, queue::JobQueue& jobs, ModelService& models, ScoringService& scoring);

  // Enqueues a training with `body` (checked now by parse_train_request).
  queue::Job start_training(const nlohmann::json& body, const JobRequest& request);
  // Enqueues scoring of the customers matching `filters` (the customer list's
  // query parameters; checked now against the current schema, and again when
  // the job runs). Conflict when there is no production model yet.
  queue::Job start_scoring(const QueryParams& filters, const JobRequest& request);

  // Registers the "train" and "score" handlers.
  void register_handlers(queue::WorkerPool& pool);

 private:
  nlohmann::json run_training(const queue::Job& job, queue::JobContext& ctx);
  nlohmann::json run_scoring(const queue::Job& job, queue::JobContext& ctx);

  storage::Store& store_;
  queue::JobQueue& jobs_;
  ModelService& models_;
  ScoringService& scoring_;
};

// The result of a training as the API and the train job show it.
nlohmann::json train_outcome_to_json(const TrainOutcome& t);

}  // namespace churnwatch::services
