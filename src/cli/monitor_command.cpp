// churnwatch monitor: one monitoring run in the foreground. The run goes
// through the job queue like any other (so it shows on the jobs page and a
// retried run queues nothing twice), executed by a one-thread pool in this
// process with a progress bar; then the alert outbox is delivered.
#include <iostream>
#include <thread>

#include "cli/commands.hpp"
#include "cli/job_runtime.hpp"
#include "cli/ml_runtime.hpp"
#include "cli/progress_bar.hpp"
#include "cli/runtime.hpp"
#include "core/errors.hpp"

namespace churnwatch::cli {
namespace {

struct MonitorArgs {
  int deliver_seconds = 120;
};

int run_monitor(const core::Config &config, const MonitorArgs &args) {
  auto store = open_runtime_store(config);
  services::ModelService models(*store, models_dir(config), model_options(config));
  services::ScoringService scoring(*store, models, scoring_options(config));
  auto rt = open_job_runtime(config, *store, models, scoring, 0);
  queue::WorkerOptions options;
  options.threads = 1;
  options.poll_interval = std::chrono::milliseconds(100);
  options.lease = std::chrono::seconds(std::max(1, config.job_lease_seconds));
  queue::WorkerPool pool(*rt.queue, options);
  rt.monitoring->register_handler(pool); // only monitor jobs run here
  const queue::Job job = rt.monitoring->start("cli");
  pool.start();
  ProgressBar bar("monitor");
  queue::Job now = job;
  while (true) {
    auto current = rt.queue->get(job.id);
    if (!current)
      throw core::Unavailable("the monitor job " + job.id +
                              " disappeared from the queue");
    now = *current;
    if (now.state == queue::JobState::kSucceeded ||
        now.state == queue::JobState::kDead ||
        now.state == queue::JobState::kCancelled)
      break;
    bar.update(now.progress, now.message);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  bar.finish();
  pool.stop(std::chrono::seconds(5));
  if (now.state != queue::JobState::kSucceeded) {
    std::cerr << "monitor job " << job.id << " " << queue::to_string(now.state)
              << ": " << now.error << '\n';
    return 1;
  }
  const auto &r = now.result;
  std::cout << "monitor job " << job.id << ": scored " << r["scoring"].value("scored", 0)
            << " active customers, queued " << r.value("alerts_queued", 0) << " alerts and "
            << r.value("summaries_queued", 0) << " run summaries\n";
  for (const auto &rule : r["rules"]) {
    std::cout << "  " << rule.value("name", "") << " ("
              << rule.value("kind", "") << "): matched "
              << rule.value("matched", 0) << ", cooling "
              << rule.value("cooling", 0) << ", below severity "
              << rule.value("below_severity", 0) << ", queued "
              << rule.value("queued", 0);
    if (rule.contains("note"))
      std::cout << " - " << rule["note"].get<std::string>();
    std::cout << '\n';
  }
  auto report =
      rt.dispatcher->drain(std::chrono::steady_clock::now() +
                           std::chrono::seconds(args.deliver_seconds));
  std::cout << "delivered " << report.delivered
            << " (alerts and run summaries) in " << report.messages_sent
            << " Discord messages";
  if (report.retrying)
    std::cout << ", " << report.retrying
              << " waiting to be retried (serve or worker will)";
  if (report.failed)
    std::cout << ", " << report.failed
              << " failed (see /api/v1/alerts/events?state=failed)";
  std::cout << '\n';
  return report.failed > 0 ? 2 : 0;
}

} // namespace

void add_monitor_command(CLI::App &app, core::Config &config, Action &action) {
  auto args = std::make_shared<MonitorArgs>();
  auto *cmd = app.add_subcommand("monitor",
                                 "Score every customer, evaluate the alert "
                                 "rules and deliver their alerts to Discord");
  add_store_options(*cmd, config);
  cmd->add_option("--deliver-seconds", args->deliver_seconds,
                  "How long to keep delivering alerts after the run")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600));
  cmd->callback([&config, &action, args] {
    action = [&config, args] { return run_monitor(config, *args); };
  });
}

} // namespace churnwatch::cli
