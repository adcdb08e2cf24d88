#include "services/monitoring.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "ml/metrics.hpp"
#include "services/customers.hpp"
#include "services/monitoring_support.hpp"

namespace churnwatch::services {

namespace {

using Json = nlohmann::json;
using monitoring_detail::cooldown_start;
using monitoring_detail::filter_params;

constexpr const char *kScoredRunSetting = "monitor.scored_run";

std::string fmt_points(double change) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f pts", change * 100);
  return buf;
}

std::string fmt_prob(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", p * 100);
  return buf;
}

// How loud a customer alert is: by how likely the customer is to leave and
// how fast their risk rose.
std::string customer_severity(double probability, double change) {
  if (probability >= 0.85 || change >= 0.25)
    return "critical";
  if (probability >= 0.6 || change >= 0.10)
    return "warning";
  return "info";
}

// A path segment as a browser sends it (customer ids may hold any character).
std::string encode_segment(const std::string &s) {
  static const char *kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    }
  }
  return out;
}

} // namespace

Json monitor_result_to_json(const MonitorResult &r) {
  Json rules = Json::array();
  for (const RuleOutcome &o : r.rules) {
    Json j = {{"rule_id", o.rule_id}, {"name", o.name},
              {"kind", o.kind},       {"matched", o.matched},
              {"cooling", o.cooling}, {"below_severity", o.below_severity},
              {"queued", o.queued}};
    if (!o.note.empty())
      j["note"] = o.note;
    rules.push_back(std::move(j));
  }
  return {{"run_id", r.run_id},
          {"scoring", score_all_result_to_json(r.scoring)},
          {"scoring_reused", r.scoring_reused},
          {"rules", rules},
          {"alerts_queued", r.alerts_queued},
          {"summaries_queued", r.summaries_queued}};
}

Monitoring::Monitoring(storage::Store &store, ScoringService &scoring,
                       AlertRules &rules, queue::JobQueue *jobs,
                       MonitorOptions options)
    : store_(store), scoring_(scoring), rules_(rules), jobs_(jobs),
      options_(std::move(options)) {}

queue::Job Monitoring::start(const std::string &created_by,
                             const std::string &idempotency_key) {
  if (!jobs_)
    throw core::Unavailable("background jobs are not enabled on this server");
  queue::EnqueueOptions opts;
  opts.created_by = created_by;
  opts.idempotency_key = idempotency_key;
  return jobs_->enqueue(kMonitorJobKind, Json::object(), opts);
}

void Monitoring::register_handler(queue::WorkerPool &pool) {
  pool.add(kMonitorJobKind,
           [this](const queue::Job &job, queue::JobContext &ctx) {
             auto result = run(job.id, [&ctx](double f, std::string_view m) {
               ctx.progress(f, m);
             });
             return monitor_result_to_json(result);
           });
}

MonitorResult Monitoring::run(const std::string &run_id,
                              const ProgressFn &progress) {
  MonitorResult result;
  result.run_id = run_id;
  auto report = [&](double f, std::string_view m) {
    if (progress)
      progress(f, m);
  };
  auto schema = store_.current_schema();
  if (!schema)
    throw core::Invalid("nothing to monitor: no customers were imported yet");

  if (store_.get_setting(kScoredRunSetting).value_or("") == run_id) {
    result.scoring_reused = true;
    result.scoring.scored = store_.count_customers();
  } else {
    result.scoring = scoring_.score_all(
        {}, [&](double f, std::string_view m) { report(0.8 * f, m); });
    store_.put_setting(kScoredRunSetting, run_id);
  }
  report(0.8, "scored " + std::to_string(result.scoring.scored) +
                  " customers; evaluating rules");

  std::vector<storage::AlertRule> enabled;
  for (auto &rule : store_.list_alert_rules())
    if (rule.enabled)
      enabled.push_back(std::move(rule));
  std::size_t done = 0;
  for (const storage::AlertRule &rule : enabled) {
    std::vector<storage::AlertEvent> events;
    RuleOutcome outcome;
    try {
      outcome = evaluate(rule, run_id, *schema, events);
    } catch (const core::Invalid &e) {
      // A rule the data no longer fits (its filter names a removed
      // attribute) must not stop the other rules.
      outcome = {rule.id, rule.name, rule.kind};
      outcome.note = std::string("not evaluated: ") + e.what();
      for (const auto &fe : e.errors())
        outcome.note += "; " + fe.field + ": " + fe.message;
      spdlog::warn("alert rule {} ('{}') {}", rule.id, rule.name, outcome.note);
    }
    if (!events.empty()) {
      storage::AlertEvent summary;
      summary.rule_id = rule.id;
      summary.kind = "summary";
      summary.severity = "info";
      summary.run_id = run_id;
      summary.dedup_key =
          "run:" + run_id + ":rule:" + std::to_string(rule.id) + ":summary";
      summary.payload = {
          {"rule_name", rule.name},
          {"run_id", run_id},
          {"model_version", result.scoring.model_version},
          {"customers_scored", result.scoring.scored},
          {"alerts_raised", static_cast<std::int64_t>(events.size())},
          {"matched", outcome.matched},
          {"by_level", result.scoring.by_level}};
      Json risers = Json::array();
      for (const auto &e : events)
        if (e.kind == "customer" && risers.size() < 5)
          risers.push_back(e.payload);
      summary.payload["top"] = risers;
      if (!options_.public_url.empty())
        summary.payload["link_url"] = options_.public_url + "/risk";
      outcome.queued = store_.enqueue_alert_events(events);
      // After the rule's alerts, so the dispatcher sends it last.
      result.summaries_queued += store_.enqueue_alert_events({summary});
    }
    result.alerts_queued += outcome.queued;
    result.rules.push_back(std::move(outcome));
    ++done;
    report(0.8 + 0.2 * static_cast<double>(done) /
                     static_cast<double>(enabled.size()),
           "evaluated rule '" + rule.name + "'");
  }
  report(1.0, "queued " + std::to_string(result.alerts_queued) + " alerts");
  return result;
}

RuleOutcome Monitoring::evaluate(const storage::AlertRule &rule,
                                 const std::string &run_id,
                                 const core::DatasetSchema &schema,
                                 std::vector<storage::AlertEvent> &out) {
  RuleOutcome outcome{rule.id, rule.name, rule.kind};
  if (rule.kind == "high_risk" || rule.kind == "risk_increase" ||
      rule.kind == "level_up")
    evaluate_customers(rule, run_id, schema, outcome, out);
  else if (rule.kind == "model_degradation" || rule.kind == "data_drift") {
    const auto model = store_.production_model();
    if (!model)
      outcome.note = "no production model";
    else if (rule.kind == "model_degradation")
      evaluate_degradation(rule, run_id, schema, *model, outcome, out);
    else
      evaluate_drift(rule, run_id, schema, *model, outcome, out);
  }
  else if (rule.kind == "job_failures")
    evaluate_job_failures(rule, outcome, out);
  else
    outcome.note = "unknown kind";
  return outcome;
}

void Monitoring::evaluate_customers(const storage::AlertRule &rule,
                                    const std::string &run_id,
                                    const core::DatasetSchema &schema,
                                    RuleOutcome &outcome,
                                    std::vector<storage::AlertEvent> &out) {
  storage::CustomerQuery query =
      parse_customer_query(schema, filter_params(rule.customer_filter), false);
  query.limit = 0;
  // No one can keep a customer who has left: never alert on one.
  query.status = storage::StatusFilter::kActive;
  const Json &p = rule.params;
  if (rule.kind == "high_risk")
    query.risk.min_probability = p.value("threshold", 1.0);
  const auto &levels = scoring_.options().levels;
  auto level_index = [&](std::string_view name) {
    const auto &bands = levels.bands();
    for (std::size_t i = 0; i < bands.size(); ++i)
      if (bands[i].name == name)
        return static_cast<int>(i);
    return -1;
  };
  const int min_level = p.contains("min_level")
                            ? level_index(p["min_level"].get<std::string>())
                            : -1;
  if (p.contains("min_level") && min_level < 0)
    throw core::Invalid("min_level names no configured risk level",
                        {{"min_level", "'" + p["min_level"].get<std::string>() +
                                           "' is not a risk level"}});

  std::set<std::string> cooling;
  if (rule.cooldown_seconds > 0)
    for (auto &id : store_.alerted_customers_since(
             rule.id, cooldown_start(rule.cooldown_seconds)))
      cooling.insert(std::move(id));
  const int min_rank = severity_rank(rule.min_severity);
  std::int64_t over_cap = 0;

  store_.for_each_customer(query, [&](const core::Customer &c) {
    if (!c.risk)
      return;
    const Json &risk = *c.risk;
    const double prob = risk.value("probability", 0.0);
    const bool has_change =
        risk.contains("change") && risk["change"].is_number();
    const double change = has_change ? risk["change"].get<double>() : 0.0;
    std::string why;
    if (rule.kind == "high_risk") {
      why = "churn probability " + fmt_prob(prob) + " is at or above " +
            fmt_prob(p.value("threshold", 1.0));
    } else if (rule.kind == "risk_increase") {
      if (!has_change || change <= 0)
        return;
      const double prev = prob - change;
      bool hit = false;
      if (p.contains("min_points") &&
          change * 100 >= p["min_points"].get<double>() - 1e-9)
        hit = true;
      if (p.contains("min_relative_percent") && prev > 0 &&
          change / prev * 100 >= p["min_relative_percent"].get<double>() - 1e-9)
        hit = true;
      if (!hit)
        return;
      why = "risk rose " + fmt_points(change) + " from " + fmt_prob(prev) +
            " to " + fmt_prob(prob);
    } else { // level_up
      if (!has_change || change <= 0)
        return;
      const double prev = prob - change;
      const std::string now_level = risk.value("risk_level", "");
      const int now_idx = level_index(now_level);
      const int prev_idx = level_index(levels.level(prev));
      if (now_idx < 0 || now_idx <= prev_idx || now_idx < min_level)
        return;
      why = "risk level rose from " + std::string(levels.level(prev)) + " to " +
            now_level;
    }
    ++outcome.matched;
    if (cooling.count(c.external_id)) {
      ++outcome.cooling;
      return;
    }
    const std::string severity = customer_severity(prob, change);
    if (severity_rank(severity) < min_rank) {
      ++outcome.below_severity;
      return;
    }
    if (static_cast<std::int64_t>(out.size()) >= options_.max_alerts_per_rule) {
      ++over_cap;
      return;
    }
    storage::AlertEvent e;
    e.rule_id = rule.id;
    e.customer_id = c.external_id;
    e.kind = "customer";
    e.severity = severity;
    e.run_id = run_id;
    e.dedup_key = "run:" + run_id + ":rule:" + std::to_string(rule.id) +
                  ":customer:" + c.external_id;
    e.payload = {{"customer_id", c.external_id},
                 {"display_name", c.display_name},
                 {"probability", prob},
                 {"risk_level", risk.value("risk_level", "")},
                 {"why", why},
                 {"rule_name", rule.name}};
    if (has_change) {
      e.payload["change"] = change;
      e.payload["previous_probability"] = prob - change;
    }
    out.push_back(std::move(e));
  });
  // Reasons and links only for the customers alerted (a few reads, not one per
  // customer).
  for (auto &e : out) {
    Json reasons = Json::array();
    if (auto current = store_.current_risk(e.customer_id))
      for (const auto &r : current->reasons)
        if (reasons.size() < 3)
          reasons.push_back(r.value("text", r.value("attribute", "")));
    e.payload["reasons"] = reasons;
    if (!options_.public_url.empty())
      e.payload["link_url"] =
          options_.public_url + "/customers/" + encode_segment(e.customer_id);
  }
  if (over_cap > 0)
    outcome.note =
        std::to_string(over_cap) + " more alerts beyond the per-run cap";
}

void Monitoring::evaluate_job_failures(const storage::AlertRule &rule,
                                       RuleOutcome &outcome,
                                       std::vector<storage::AlertEvent> &out) {
  if (!jobs_) {
    outcome.note = "no job queue";
    return;
  }
  std::set<std::string> kinds;
  if (rule.params.contains("job_kinds"))
    for (const auto &k : rule.params["job_kinds"])
      kinds.insert(k.get<std::string>());
  for (queue::JobState state :
       {queue::JobState::kFailed, queue::JobState::kDead}) {
    queue::JobFilter filter;
    filter.state = state;
    filter.limit = 100;
    for (const queue::Job &job : jobs_->list(filter).items) {
      // Only failures since the rule exists; each job alerts once (its id is
      // the key).
      if (job.finished_at < rule.created_at || job.kind == kMonitorJobKind)
        continue;
      if (!kinds.empty() && !kinds.count(job.kind))
        continue;
      ++outcome.matched;
      const std::string severity =
          state == queue::JobState::kDead ? "critical" : "warning";
      if (severity_rank(severity) < severity_rank(rule.min_severity)) {
        ++outcome.below_severity;
        continue;
      }
      storage::AlertEvent e;
      e.rule_id = rule.id;
      e.kind = "rule";
      e.severity = severity;
      e.run_id = job.id;
      e.dedup_key = "rule:" + std::to_string(rule.id) + ":job:" + job.id;
      e.payload = {
          {"title",
           "A " + job.kind + " job " + std::string(queue::to_string(state))},
          {"description", job.error.empty() ? "(no error message)" : job.error},
          {"rule_name", rule.name},
          {"fields",
           {{{"name", "job"}, {"value", job.id}},
            {{"name", "attempts"}, {"value", std::to_string(job.attempts)}},
            {{"name", "finished"},
             {"value", job.finished_at.empty() ? "-" : job.finished_at}}}}};
      out.push_back(std::move(e));
    }
  }
}

} // namespace churnwatch::services
