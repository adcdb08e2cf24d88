#include "services/model_jobs.hpp"

#include "core/errors.hpp"

namespace churnwatch::services {

namespace {

// From here on a training job saves and registers its model; a cancellation
// arriving now is not honoured (the job finishes instead).
constexpr double kTrainingSaves = 0.93;

}  // namespace

nlohmann::json train_outcome_to_json(const TrainOutcome& t) {
  return {{"model", model_to_json(t.model, false)},
          {"promoted", t.promoted},
          {"reason", t.reason},
          {"seconds", t.seconds},
          {"run_id", t.run_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.run_id)}};
}

ModelJobs::ModelJobs(storage::Store& store, queue::JobQueue& jobs, ModelService& models,
                     ScoringService& scoring)
    : store_(store), jobs_(jobs), models_(models), scoring_(scoring) {}

queue::Job ModelJobs::start_training(const nlohmann::json& body, const JobRequest& request) {
  parse_train_request(body);  // refuse bad parameters now, not in the worker
  return jobs_.enqueue(kTrainJobKind, body.is_null() ? nlohmann::json::object() : body,
                       {.idempotency_key = request.idempotency_key, .created_by = request.created_by});
}

queue::Job ModelJobs::start_scoring(const QueryParams& filters, const JobRequest& request) {
  auto schema = store_.current_schema();
  if (!schema) throw core::Invalid("no customers yet: import a customer table first");
  parse_customer_query(*schema, filters, false);
  if (!store_.production_model())
    throw core::Conflict(
        "no production model: train one first (POST /api/v1/models/train or churnwatch train)");
  nlohmann::json f = nlohmann::json::array();
  for (const auto& [name, value] : filters) f.push_back({name, value});
  return jobs_.enqueue(kScoreJobKind, {{"filters", f}},
                       {.idempotency_key = request.idempotency_key, .created_by = request.created_by});
}

void ModelJobs::register_handlers(queue::WorkerPool& pool) {
  pool.add(kTrainJobKind,
           [this](const queue::Job& job, queue::JobContext& ctx) { return run_training(job, ctx); });
  pool.add(kScoreJobKind,
           [this](const queue::Job& job, queue::JobContext& ctx) { return run_scoring(job, ctx); });
}

nlohmann::json ModelJobs::run_training(const queue::Job& job, queue::JobContext& ctx) {
  // The scheduler's retraining ticks carry which schedule and tick enqueued
  // them; the rest of the payload is a training request.
  nlohmann::json body = job.payload.is_object() ? job.payload : nlohmann::json::object();
  body.erase("schedule");
  body.erase("scheduled_for");
  auto request = parse_train_request(body);
  request.source = "job:" + job.id;
  auto outcome = models_.train(request, [&ctx](double fraction, std::string_view message) {
    if (fraction < kTrainingSaves) {
      ctx.progress(fraction, message);
      return;
    }
    try {
      ctx.progress(fraction, message);
    } catch (const queue::JobCancelled&) {
      // Too late to stop: the model is being saved and registered.
    }
  });
  auto result = train_outcome_to_json(outcome);
  result["created"] = outcome.created;
  return result;
}

nlohmann::json ModelJobs::run_scoring(const queue::Job& job, queue::JobContext& ctx) {
  QueryParams filters;
  for (const auto& f : job.payload.value("filters", nlohmann::json::array()))
    filters.emplace_back(f.at(0).get<std::string>(), f.at(1).get<std::string>());
  auto schema = store_.current_schema();
  if (!schema) throw core::Invalid("there is nothing to score: no customers were imported yet");
  const auto query = parse_customer_query(*schema, filters, false);
  auto result = scoring_.score_all(
      query, [&ctx](double fraction, std::string_view message) { ctx.progress(fraction, message); });
  return score_all_result_to_json(result);
}

}  // namespace churnwatch::services
