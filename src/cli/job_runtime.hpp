// Background jobs as serve and worker set them up: the queue chosen from the
// configuration, the worker pool and the handler of every job kind. A new
// kind is one line where the pool is built (job_runtime.cpp):
//   pool.add("train", [&](const queue::Job& job, queue::JobContext& ctx) { ...
//   });
#pragma once

#include <memory>

#include "core/config.hpp"
#include "queue/job_queue.hpp"
#include "queue/worker_pool.hpp"
#include "services/model_jobs.hpp"
#include "alerts/discord_client.hpp"
#include "services/alert_dispatcher.hpp"
#include "services/alert_rules.hpp"
#include "services/monitoring.hpp"
#include "services/secret_box.hpp"
#include "services/transfer_jobs.hpp"
#include "storage/store.hpp"

namespace churnwatch::cli {

struct JobRuntime {
  std::unique_ptr<queue::JobQueue> queue;
  std::unique_ptr<services::TransferJobs> transfers;
  std::unique_ptr<services::ModelJobs> model_jobs;
  // Monitoring and alert delivery, present in every process that runs jobs
  // or serves: the dispatcher (not started) drains the alert outbox.
  std::unique_ptr<services::SecretBox> secret_box;
  std::unique_ptr<services::AlertRules> alert_rules;
  std::unique_ptr<alerts::DiscordClient> discord;
  std::unique_ptr<services::AlertDispatcher> dispatcher;
  std::unique_ptr<services::Monitoring> monitoring;
  std::unique_ptr<queue::WorkerPool>
      pool; // not started; null when `threads` is 0
};

// Opens the queue at config.queue_url() and, when threads > 0, a pool of that
// many threads with every job kind registered. When the environment sets
// CHURNWATCH_TEST_JOB_KINDS=1, also the test-only kind "sleep" (payload
// {"ms": n}: reports progress for n milliseconds, then succeeds), used by
// tests that need a job of known length.
JobRuntime open_job_runtime(const core::Config &config, storage::Store &store,
                            services::ModelService &models,
                            services::ScoringService &scoring, int threads);

} // namespace churnwatch::cli
