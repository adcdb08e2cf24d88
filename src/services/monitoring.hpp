// Risk monitoring (job kind "monitor"): scores every customer with the
// production model (risk history), evaluates every enabled alert rule and
// queues what they raise in the alert outbox (storage::AlertEvent), which the
// AlertDispatcher delivers to Discord.
//
// Safe to repeat: every event's dedup key names the run (the job id), so a
// retried job queues nothing twice, and a retry that finds its scoring done
// (recorded in the setting "monitor.scored_run") does not score again, which
// would erase the changes the risk_increase and level_up rules look at.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "queue/job_queue.hpp"
#include "queue/worker_pool.hpp"
#include "services/alert_rules.hpp"
#include "services/progress.hpp"
#include "services/scoring_service.hpp"
#include "storage/store.hpp"

namespace churnwatch::services {

inline constexpr const char *kMonitorJobKind = "monitor";

struct MonitorOptions {
  // The web UI's address, for links to customer pages in messages
  // (CHURNWATCH_PUBLIC_URL); empty: no links.
  std::string public_url;
  // The most customer alerts one rule raises in one run; beyond them the
  // run summary says how many more there were.
  std::int64_t max_alerts_per_rule = 1000;
  // model_degradation needs at least this many newly labelled customers
  // (with both outcomes) before it judges.
  std::int64_t min_labelled_for_auc = 20;
};

struct RuleOutcome {
  std::int64_t rule_id = 0;
  std::string name;
  std::string kind;
  std::int64_t matched = 0; // customers (or findings) that met the condition
  std::int64_t cooling = 0; // left out: alerted within the cooldown
  std::int64_t below_severity = 0;
  std::int64_t queued = 0; // new events in the outbox
  std::string note;        // why nothing was judged, when so
};

struct MonitorResult {
  std::string run_id;
  ScoreAllResult scoring;
  bool scoring_reused =
      false; // a retry found this run's scores already written
  std::vector<RuleOutcome> rules;
  std::int64_t alerts_queued = 0;
  std::int64_t summaries_queued = 0; // one per rule that raised alerts, sent after them
};

nlohmann::json monitor_result_to_json(const MonitorResult &r);

class Monitoring {
public:
  Monitoring(storage::Store &store, ScoringService &scoring, AlertRules &rules,
             queue::JobQueue *jobs, MonitorOptions options = {});

  // Enqueues a monitor job. Unavailable without a job queue.
  queue::Job start(const std::string &created_by,
                   const std::string &idempotency_key = {});

  // The whole run, as the job runs it. `run_id` names the run in dedup keys.
  // Conflict when there is no production model.
  MonitorResult run(const std::string &run_id, const ProgressFn &progress = {});

  // Registers the "monitor" handler.
  void register_handler(queue::WorkerPool &pool);

private:
  RuleOutcome evaluate(const storage::AlertRule &rule,
                       const std::string &run_id,
                       const core::DatasetSchema &schema,
                       std::vector<storage::AlertEvent> &out);
  void evaluate_customers(const storage::AlertRule &rule,
                          const std::string &run_id,
                          const core::DatasetSchema &schema,
                          RuleOutcome &outcome,
                          std::vector<storage::AlertEvent> &out);
  // The model rules compare customers with what `model`, the production
  // model, was trained on.
  void evaluate_degradation(const storage::AlertRule &rule,
                            const std::string &run_id,
                            const core::DatasetSchema &schema,
                            const storage::ModelRecord &model,
                            RuleOutcome &outcome,
                            std::vector<storage::AlertEvent> &out);
  void evaluate_drift(const storage::AlertRule &rule, const std::string &run_id,
                      const core::DatasetSchema &schema,
                      const storage::ModelRecord &model, RuleOutcome &outcome,
                      std::vector<storage::AlertEvent> &out);
  void evaluate_job_failures(const storage::AlertRule &rule,
                             RuleOutcome &outcome,
                             std::vector<storage::AlertEvent> &out);

  storage::Store &store_;
  ScoringService &scoring_;
  AlertRules &rules_;
  queue::JobQueue *jobs_;
  MonitorOptions options_;
};

// Population stability index of `current` against `reference` over the
// given bins (each a count); empty bins count as a tiny share, not zero.
double population_stability_index(const std::vector<double> &reference,
                                  const std::vector<double> &current);

} // namespace churnwatch::services
