#include "cli/job_runtime.hpp"

#include "cli/ml_runtime.hpp"

#include <cstdlib>
#include <string_view>
#include <thread>

namespace churnwatch::cli {

namespace {

void add_test_kinds(queue::WorkerPool &pool) {
  const char *flag = std::getenv("CHURNWATCH_TEST_JOB_KINDS");
  if (!flag || std::string_view(flag) != "1")
    return;
  pool.add("sleep", [](const queue::Job &job, queue::JobContext &ctx) {
    const int ms = job.payload.value("ms", 1000);
    for (int done = 0; done < ms; done += 10) {
      ctx.progress(static_cast<double>(done) / ms, "sleeping");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return nlohmann::json{{"slept_ms", ms}, {"attempt", job.attempts}};
  });
}

} // namespace

JobRuntime open_job_runtime(const core::Config &config, storage::Store &store,
                            services::ModelService &models,
                            services::ScoringService &scoring, int threads) {
  JobRuntime rt;
  rt.queue = queue::open_job_queue(config.queue_url());
  rt.transfers = std::make_unique<services::TransferJobs>(store, *rt.queue,
                                                          config.data_dir);
  rt.model_jobs = std::make_unique<services::ModelJobs>(store, *rt.queue,
                                                        models, scoring);
  rt.secret_box = std::make_unique<services::SecretBox>(
      services::SecretBox::load(config.secret_key, config.data_dir));
  rt.alert_rules = std::make_unique<services::AlertRules>(store, *rt.secret_box);
  rt.discord = std::make_unique<alerts::DiscordClient>();
  rt.dispatcher = std::make_unique<services::AlertDispatcher>(store, *rt.alert_rules, *rt.discord);
  services::MonitorOptions monitor;
  monitor.public_url = config.public_url;
  while (!monitor.public_url.empty() && monitor.public_url.back() == '/') monitor.public_url.pop_back();
  rt.monitoring = std::make_unique<services::Monitoring>(store, scoring, *rt.alert_rules,
                                                         rt.queue.get(), monitor);
  if (threads <= 0)
    return rt;
  queue::WorkerOptions options;
  options.threads = static_cast<std::size_t>(threads);
  options.lease = std::chrono::seconds(std::max(1, config.job_lease_seconds));
  rt.pool = std::make_unique<queue::WorkerPool>(*rt.queue, options);
  rt.transfers->register_handlers(*rt.pool);
  rt.model_jobs->register_handlers(*rt.pool);
  rt.monitoring->register_handler(*rt.pool);
  add_test_kinds(*rt.pool);
  return rt;
}

} // namespace churnwatch::cli
