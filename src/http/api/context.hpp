// What the API handlers reach: the services, built once at start-up by the
// command that serves (cli/serve_command.cpp). Handlers parse, call one
// service, render.
#pragma once

#include "services/accounts.hpp"
#include "services/customers.hpp"
#include "services/model_service.hpp"
#include "services/schema_service.hpp"
#include "services/scoring_service.hpp"
#include "services/transfer_jobs.hpp"
#include "queue/job_queue.hpp"
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
  // Background jobs (queue/); null: the job routes answer 503 and imports
  // run only synchronously.
  queue::JobQueue* jobs = nullptr;
  services::TransferJobs* transfers = nullptr;
};

}  // namespace churnwatch::http
