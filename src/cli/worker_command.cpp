// churnwatch worker: runs background jobs (import, export, ...) from the
// configured queue without serving HTTP. Start as many as wanted, on one
// machine or several sharing the database; each job runs on one of them, and
// a job whose worker died is picked up by another once its lease expires.
#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>

#include "cache/redis_client.hpp"
#include "cli/cache_runtime.hpp"
#include "cli/commands.hpp"
#include "cli/job_runtime.hpp"
#include "cli/ml_runtime.hpp"
#include "cli/runtime.hpp"

namespace churnwatch::cli {
namespace {

// The queue for the start-up line: a Redis URL may carry a password, so it
// is shown as host:port/db.
std::string printable_queue(const std::string &url) {
  if (url.rfind("redis", 0) == 0) return "redis " + cache::describe(cache::parse_redis_url(url));
  return url;
}

int run_worker(const core::Config &config, int threads) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Through the invalidating store, so that what jobs change (imports,
  // scoring runs, promotions) also invalidates the servers' cached reads when
  // the cache is shared in Redis.
  auto cached = open_cached_runtime(config);
  auto &store = cached.store;
  auto tracker = open_training_tracker(config);
  auto model_opts = model_options(config);
  model_opts.tracker = tracker.get();
  services::ModelService models(*store, models_dir(config), model_opts);
  services::ScoringService scoring(*store, models, scoring_options(config));
  auto jobs = open_job_runtime(config, *store, models, scoring, std::max(1, threads));
  jobs.pool->start();
  jobs.dispatcher->start();
  std::string kinds;
  for (const auto &k : jobs.pool->kinds())
    kinds += (kinds.empty() ? "" : ", ") + k;
  std::cout << "churnwatch worker " << jobs.pool->worker_id() << " is running "
            << kinds << " jobs on " << std::max(1, threads)
            << " threads (queue: " << printable_queue(config.queue_url()) << ")" << std::endl;

  int sig = 0;
  sigwait(&signals, &sig);
  std::cout << "received " << (sig == SIGINT ? "SIGINT" : "SIGTERM")
            << ", finishing running jobs (unfinished ones go back to the queue)"
            << std::endl;
  jobs.pool->stop(std::chrono::seconds(10));
  jobs.dispatcher->stop();
  return 0;
}

} // namespace

void add_worker_command(CLI::App &app, core::Config &config, Action &action) {
  auto *cmd = app.add_subcommand(
      "worker", "Run background jobs (import, export, train, score) from the queue");
  add_store_options(*cmd, config);
  cmd->add_option("--threads", config.workers,
                  "Jobs run at once (env CHURNWATCH_WORKERS)")
      ->capture_default_str();
  cmd->add_option("--lease-seconds", config.job_lease_seconds,
                  "A job whose worker is silent this long is retried elsewhere "
                  "(env CHURNWATCH_JOB_LEASE_SECONDS)")
      ->capture_default_str();
  cmd->callback([&config, &action] {
    action = [&config] { return run_worker(config, config.workers); };
  });
}

} // namespace churnwatch::cli
