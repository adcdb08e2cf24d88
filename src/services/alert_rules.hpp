// Alert rules: what monitoring watches for and which Discord webhook hears
// about it. Rules are read and written as JSON objects:
//
//   {"name": "high risk", "kind": "high_risk", "threshold": 0.7,
//    "webhook_url": "https://discord.com/api/webhooks/<id>/<token>",
//    "enabled": true, "cooldown_seconds": 86400, "min_severity": "info",
//    "customer_filter": {"Geography": "France", "Age[gte]": "40"}}
//
// Kinds and their settings (top-level members of the object):
//   high_risk          threshold (0..1]: probability at or above it
//   risk_increase      min_points (probability points, 0..100] and/or
//                      min_relative_percent (> 0): rise since the previous
//                      score
//   level_up           min_level (optional): the risk level rose (to at least
//   min_level) model_degradation  max_drop_points (0..100]: ROC-AUC on
//   customers whose label
//                      became known since training fell by more than this
//   data_drift         psi_threshold (> 0, default 0.2): PSI of a feature
//   between
//                      the training data and current customers above it
//   job_failures       job_kinds (optional list): a job failed for good since
//   the last run
//
// The webhook URL is checked against WebhookUrlPolicy, sealed with SecretBox
// before it is stored, and only ever shown masked.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "alerts/webhook_url.hpp"
#include "services/secret_box.hpp"
#include "storage/store.hpp"

namespace churnwatch::services {

inline constexpr std::int64_t kDefaultAlertCooldownSeconds = 24 * 3600;

// The rule kinds, in the order documented above.
const std::vector<std::string> &alert_rule_kinds();

// "info" < "warning" < "critical"; -1 for anything else.
int severity_rank(std::string_view severity);

class AlertRules {
public:
  AlertRules(
      storage::Store &store, const SecretBox &box,
      alerts::WebhookUrlPolicy policy = alerts::WebhookUrlPolicy::from_env());

  // Invalid naming each bad member ("threshold", "webhook_url", ...);
  // Conflict when the name is taken.
  storage::AlertRule create(const nlohmann::json &body,
                            const std::string &created_by);
  // Changes the members present in `body`; the kind's settings are checked
  // again as a whole. NotFound, Invalid, Conflict as for create.
  storage::AlertRule update(std::int64_t id, const nlohmann::json &body);
  void remove(std::int64_t id);
  storage::AlertRule get(std::int64_t id);
  std::vector<storage::AlertRule> list() { return store_.list_alert_rules(); }

  storage::AlertEventPage events(const storage::AlertEventQuery &q) {
    return store_.list_alert_events(q);
  }
  storage::AlertStats stats() { return store_.alert_stats(); }

  // The rule's webhook, unsealed and parsed (against today's policy).
  alerts::WebhookTarget webhook(const storage::AlertRule &rule) const;

private:
  // Validates `body` over `rule` (members absent from body keep their value).
  void apply(storage::AlertRule &rule, const nlohmann::json &body,
             bool creating);

  storage::Store &store_;
  const SecretBox &box_;
  alerts::WebhookUrlPolicy policy_;
};

// The rule as the API shows it: webhook masked, settings at the top level.
nlohmann::json alert_rule_to_json(const storage::AlertRule &rule);
nlohmann::json alert_event_to_json(const storage::AlertEvent &event);
nlohmann::json alert_stats_to_json(const storage::AlertStats &stats);

} // namespace churnwatch::services
