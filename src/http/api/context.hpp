// What the API handlers reach: the services, built once at start-up by the
// command that serves (cli/serve_command.cpp). Handlers parse, call one
// service, render.
#pragma once

#include "core/readiness.hpp"
#include "queue/job_queue.hpp"
#include "services/accounts.hpp"
#include "services/alert_dispatcher.hpp"
#include "services/alert_rules.hpp"
#include "services/customers.hpp"
#include "services/model_jobs.hpp"
#include "services/model_service.hpp"
#include "services/monitoring.hpp"
#include "services/read_cache.hpp"
#include "services/scheduler.hpp"
#include "services/schema_service.hpp"
#include "services/scoring_service.hpp"
#include "services/training_runs.hpp"
#include "services/transfer_jobs.hpp"
#include "storage/store.hpp"

namespace churnwatch::http {

class ApiSecurity;

struct ApiContext {
  storage::Store& store;
  services::Accounts& accounts;
  services::Customers& customers;
  services::SchemaService& schema;
  services::ModelService& models;
  services::ScoringService& scoring;
  // Rate limits and sign-in lockout (http/api/security.hpp); null: none.
  ApiSecurity* security = nullptr;
  // Cached read responses (customer list pages, risk summary); null: none.
  services::ReadCache* reads = nullptr;
  // Background jobs (queue/); null: the job routes answer 503 and imports
  // run only synchronously.
  queue::JobQueue* jobs = nullptr;
  services::TransferJobs* transfers = nullptr;
  // Periodic jobs (services/scheduler.hpp); null: the schedule routes answer
  // 503. The routes only read and change the schedules; whether this process
  // also runs the scheduler's thread is the composition root's choice.
  services::Scheduler* scheduler = nullptr;
  // Operations (system_routes.cpp). /readyz always checks the store, the
  // queue (when jobs are on) and the production model; `readiness` adds the
  // checks other parts register (a cache, ...). `metrics_token` non-empty:
  // /metrics needs it as a bearer token.
  core::ReadinessChecks* readiness = nullptr;
  std::string metrics_token;
  // Training and batch scoring jobs; null: those routes answer 503.
  services::ModelJobs* model_jobs = nullptr;
  // Training runs read back from the experiment tracker; null: /runs answers 503.
  services::TrainingRuns* runs = nullptr;
  // Alert rules; null: the alert routes answer 503.
  services::AlertRules* alert_rules = nullptr;
  // Sends rule test messages and is woken when a run queued alerts; null:
  // POST .../test answers 503.
  services::AlertDispatcher* alert_dispatcher = nullptr;
  // Starts monitor jobs; null: POST /api/v1/monitoring/run answers 503.
  services::Monitoring* monitoring = nullptr;
};

}  // namespace churnwatch::http
