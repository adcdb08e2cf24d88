// Monitoring's rules about the model and its data rather than one customer:
// model degradation (ROC-AUC on newly labelled customers) and data drift
// (population stability index of each feature against the training data).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "ml/metrics.hpp"
#include "services/alert_rules.hpp"
#include "services/monitoring.hpp"
#include "services/monitoring_support.hpp"

namespace churnwatch::services {

using Json = nlohmann::json;
using monitoring_detail::cooldown_start;
using monitoring_detail::filter_params;

double population_stability_index(const std::vector<double> &reference,
                                  const std::vector<double> &current) {
  constexpr double kFloor = 1e-4;
  double ref_total = 0, cur_total = 0;
  for (double v : reference)
    ref_total += v;
  for (double v : current)
    cur_total += v;
  if (ref_total <= 0 || cur_total <= 0)
    return 0;
  double psi = 0;
  for (std::size_t i = 0; i < reference.size() && i < current.size(); ++i) {
    const double r = std::max(reference[i] / ref_total, kFloor);
    const double c = std::max(current[i] / cur_total, kFloor);
    psi += (c - r) * std::log(c / r);
  }
  return psi;
}

void Monitoring::evaluate_degradation(const storage::AlertRule& rule, const std::string& run_id,
                                      const core::DatasetSchema& /*schema*/,
                                      const storage::ModelRecord& model, RuleOutcome& outcome,
                                      std::vector<storage::AlertEvent>& out) {
  const double trained_auc =
      model.metrics.value("test", Json::object()).value("roc_auc", 0.0);
  // The outcome report of this model since it was made: the scores it gave
  // customers before they left, against the active customers of the same
  // runs. (Scores made after an outcome was known would flatter it.)
  auto report =
      risk_outcomes(store_, {model.created_at, "", model.version, scoring_.options().high_risk_threshold});
  const std::int64_t judged = report.departed + report.active_compared;
  if (judged < options_.min_labelled_for_auc || !report.roc_auc) {
    outcome.note = std::to_string(report.departed) +
                   " departures since training scored before they left, against " +
                   std::to_string(report.active_compared) + " active customers: not enough to judge";
    return;
  }
  const double auc = *report.roc_auc;
  const double drop_points = (trained_auc - auc) * 100;
  if (drop_points <= rule.params.value("max_drop_points", 5.0))
    return;
  ++outcome.matched;
  if (rule.cooldown_seconds > 0 &&
      !store_
           .alerted_customers_since(rule.id,
                                    cooldown_start(rule.cooldown_seconds))
           .empty()) {
    ++outcome.cooling;
    return;
  }
  const std::string severity =
      drop_points > 2 * rule.params.value("max_drop_points", 5.0) ? "critical"
                                                                  : "warning";
  if (severity_rank(severity) < severity_rank(rule.min_severity)) {
    ++outcome.below_severity;
    return;
  }
  storage::AlertEvent e;
  e.rule_id = rule.id;
  e.kind = "rule";
  e.severity = severity;
  e.run_id = run_id;
  e.dedup_key =
      "run:" + run_id + ":rule:" + std::to_string(rule.id) + ":degradation";
  char text[256];
  std::snprintf(text, sizeof text,
                "ROC-AUC of model %lld's scores before %lld departures since "
                "training (against %lld active customers) is %.3f, %.1f points "
                "below its %.3f at training.",
                static_cast<long long>(model.version), static_cast<long long>(report.departed),
                static_cast<long long>(report.active_compared), auc, drop_points, trained_auc);
  e.payload = {{"title", "Model " + std::to_string(model.version) + " is degrading"},
               {"description", text},
               {"rule_name", rule.name},
               {"fields",
                {{{"name", "ROC-AUC now"}, {"value", std::to_string(auc).substr(0, 5)}},
                 {{"name", "at training"}, {"value", std::to_string(trained_auc).substr(0, 5)}},
                 {{"name", "departures"}, {"value", std::to_string(report.departed)}}}}};
  out.push_back(std::move(e));
}

void Monitoring::evaluate_drift(const storage::AlertRule &rule,
                                const std::string &run_id,
                                const core::DatasetSchema &schema,
                                const storage::ModelRecord &model,
                                RuleOutcome &outcome,
                                std::vector<storage::AlertEvent> &out) {
  // The training data: labelled customers not changed since the model was
  // trained (exactly the rows it learned from, unless they were deleted).
  // Current: every customer the rule's filter selects.
  storage::CustomerQuery query =
      parse_customer_query(schema, filter_params(rule.customer_filter), false);
  query.limit = 0;
  const auto features = schema.features();
  std::vector<std::vector<Json>> reference(features.size()),
      current(features.size());
  store_.for_each_customer(query, [&](const core::Customer &c) {
    const bool in_training = c.label && c.updated_at <= model.created_at;
    for (std::size_t i = 0; i < features.size(); ++i) {
      const Json &v = c.attributes.contains(features[i]->name)
                          ? c.attributes[features[i]->name]
                          : Json();
      current[i].push_back(v);
      if (in_training)
        reference[i].push_back(v);
    }
  });
  if (reference.empty() || reference.front().size() < 50) {
    outcome.note = "fewer than 50 training customers are still unchanged: "
                   "drift not judged";
    return;
  }
  const double threshold = rule.params.value("psi_threshold", 0.2);
  std::vector<std::pair<std::string, double>> drifted;
  for (std::size_t i = 0; i < features.size(); ++i) {
    std::vector<double> ref_bins, cur_bins;
    const bool numeric = features[i]->type == core::AttrType::kNumber ||
                         features[i]->type == core::AttrType::kInteger;
    if (numeric) {
      // Ten bins at the training data's deciles; missing values get their own
      // bin.
      std::vector<double> sorted;
      for (const Json &v : reference[i])
        if (v.is_number())
          sorted.push_back(v.get<double>());
      if (sorted.empty())
        continue;
      std::sort(sorted.begin(), sorted.end());
      std::vector<double> edges;
      for (int q = 1; q < 10; ++q)
        edges.push_back(sorted[sorted.size() * q / 10]);
      edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
      auto bin = [&](const Json &v) -> std::size_t {
        if (!v.is_number())
          return edges.size() + 1;
        return static_cast<std::size_t>(
            std::upper_bound(edges.begin(), edges.end(), v.get<double>()) -
            edges.begin());
      };
      ref_bins.assign(edges.size() + 2, 0);
      cur_bins.assign(edges.size() + 2, 0);
      for (const Json &v : reference[i])
        ref_bins[bin(v)] += 1;
      for (const Json &v : current[i])
        cur_bins[bin(v)] += 1;
    } else {
      std::map<std::string, std::size_t> index;
      auto key = [](const Json &v) {
        return v.is_string() ? v.get<std::string>() : v.dump();
      };
      for (const Json &v : reference[i])
        index.emplace(key(v), index.size());
      for (const Json &v : current[i])
        index.emplace(key(v), index.size());
      if (index.size() > 200)
        continue; // free text: no distribution to compare
      ref_bins.assign(index.size(), 0);
      cur_bins.assign(index.size(), 0);
      for (const Json &v : reference[i])
        ref_bins[index[key(v)]] += 1;
      for (const Json &v : current[i])
        cur_bins[index[key(v)]] += 1;
    }
    const double psi = population_stability_index(ref_bins, cur_bins);
    if (psi > threshold)
      drifted.emplace_back(features[i]->name, psi);
  }
  if (drifted.empty())
    return;
  outcome.matched = static_cast<std::int64_t>(drifted.size());
  if (rule.cooldown_seconds > 0 &&
      !store_
           .alerted_customers_since(rule.id,
                                    cooldown_start(rule.cooldown_seconds))
           .empty()) {
    ++outcome.cooling;
    return;
  }
  std::sort(drifted.begin(), drifted.end(),
            [](const auto &a, const auto &b) { return a.second > b.second; });
  const std::string severity =
      drifted.front().second >= 2 * threshold ? "critical" : "warning";
  if (severity_rank(severity) < severity_rank(rule.min_severity)) {
    ++outcome.below_severity;
    return;
  }
  Json fields = Json::array();
  for (const auto &[name, psi] : drifted) {
    char v[32];
    std::snprintf(v, sizeof v, "PSI %.3f", psi);
    fields.push_back({{"name", name}, {"value", v}});
  }
  storage::AlertEvent e;
  e.rule_id = rule.id;
  e.kind = "rule";
  e.severity = severity;
  e.run_id = run_id;
  e.dedup_key = "run:" + run_id + ":rule:" + std::to_string(rule.id) + ":drift";
  e.payload = {{"title", std::to_string(drifted.size()) +
                             " feature(s) drifted from the training data"},
               {"description", "Population stability index above " +
                                   std::to_string(threshold).substr(0, 4) +
                                   " between model " +
                                   std::to_string(model.version) +
                                   "'s training data and current customers."},
               {"rule_name", rule.name},
               {"fields", fields}};
  out.push_back(std::move(e));
}

} // namespace churnwatch::services
