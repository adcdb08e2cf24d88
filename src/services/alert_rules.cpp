#include "services/alert_rules.hpp"

#include <algorithm>
#include <set>

#include "core/errors.hpp"
#include "services/customers.hpp"

namespace churnwatch::services {

namespace {

using Json = nlohmann::json;
using core::FieldError;

// Members every rule has; anything else must be a setting of its kind.
const std::set<std::string> kCommonMembers = {"name",
                                              "kind",
                                              "enabled",
                                              "webhook_url",
                                              "cooldown_seconds",
                                              "min_severity",
                                              "customer_filter"};

const std::map<std::string, std::set<std::string>> &kind_settings() {
  static const std::map<std::string, std::set<std::string>> k = {
      {"high_risk", {"threshold"}},
      {"risk_increase", {"min_points", "min_relative_percent"}},
      {"level_up", {"min_level"}},
      {"model_degradation", {"max_drop_points"}},
      {"data_drift", {"psi_threshold"}},
      {"job_failures", {"job_kinds"}},
  };
  return k;
}

std::optional<double> number_in(const Json &params, const char *name, double lo,
                                double hi, bool lo_open,
                                std::vector<FieldError> &errors) {
  if (!params.contains(name))
    return std::nullopt;
  const Json &v = params.at(name);
  if (v.is_number()) {
    const double d = v.get<double>();
    if ((lo_open ? d > lo : d >= lo) && d <= hi)
      return d;
  }
  errors.push_back(
      {name,
       "must be a number " + std::string(lo_open ? "above " : "from ") +
           std::to_string(lo).substr(0, std::to_string(lo).find('.') + 2) +
           " up to " +
           std::to_string(hi).substr(0, std::to_string(hi).find('.') + 2)});
  return std::nullopt;
}

// Checks the kind's settings in `params`, filling defaults.
void check_settings(const std::string &kind, Json &params,
                    std::vector<FieldError> &errors) {
  if (kind == "high_risk") {
    if (!params.contains("threshold"))
      errors.push_back(
          {"threshold",
           "is required for a high_risk rule (a probability in (0, 1])"});
    else
      number_in(params, "threshold", 0, 1, true, errors);
  } else if (kind == "risk_increase") {
    if (!params.contains("min_points") &&
        !params.contains("min_relative_percent"))
      errors.push_back(
          {"min_points",
           "a risk_increase rule needs min_points (probability points) "
           "and/or min_relative_percent"});
    number_in(params, "min_points", 0, 100, true, errors);
    number_in(params, "min_relative_percent", 0, 1e6, true, errors);
  } else if (kind == "level_up") {
    if (params.contains("min_level") &&
        (!params["min_level"].is_string() ||
         params["min_level"].get<std::string>().empty()))
      errors.push_back({"min_level", "must be the name of a risk level"});
  } else if (kind == "model_degradation") {
    if (!params.contains("max_drop_points"))
      params["max_drop_points"] = 5.0;
    number_in(params, "max_drop_points", 0, 100, true, errors);
  } else if (kind == "data_drift") {
    if (!params.contains("psi_threshold"))
      params["psi_threshold"] = 0.2;
    number_in(params, "psi_threshold", 0, 100, true, errors);
  } else if (kind == "job_failures") {
    if (params.contains("job_kinds")) {
      const Json &v = params["job_kinds"];
      bool ok =
          v.is_array() && std::all_of(v.begin(), v.end(), [](const Json &k) {
            return k.is_string() && !k.get<std::string>().empty();
          });
      if (!ok)
        errors.push_back(
            {"job_kinds", "must be a list of job kinds such as [\"train\"]"});
    }
  }
}

} // namespace

const std::vector<std::string> &alert_rule_kinds() {
  static const std::vector<std::string> k = {"high_risk",  "risk_increase",
                                             "level_up",   "model_degradation",
                                             "data_drift", "job_failures"};
  return k;
}

int severity_rank(std::string_view severity) {
  if (severity == "info")
    return 0;
  if (severity == "warning")
    return 1;
  if (severity == "critical")
    return 2;
  return -1;
}

AlertRules::AlertRules(storage::Store &store, const SecretBox &box,
                       alerts::WebhookUrlPolicy policy)
    : store_(store), box_(box), policy_(std::move(policy)) {}

void AlertRules::apply(storage::AlertRule &rule, const Json &body,
                       bool creating) {
  if (!body.is_object())
    throw core::Invalid("an alert rule is a JSON object");
  std::vector<FieldError> errors;
  auto string_member = [&](const char *name, std::string &slot) {
    if (!body.contains(name))
      return;
    if (body[name].is_string() && !body[name].get<std::string>().empty())
      slot = body[name].get<std::string>();
    else
      errors.push_back({name, "must be a non-empty string"});
  };
  string_member("name", rule.name);
  if (rule.name.size() > 200)
    errors.push_back({"name", "must be at most 200 characters"});
  const std::string old_kind = rule.kind;
  string_member("kind", rule.kind);
  const auto &settings = kind_settings();
  auto kind_it = settings.find(rule.kind);
  if (creating && !body.contains("name"))
    errors.push_back({"name", "is required"});
  if (creating && !body.contains("kind"))
    errors.push_back({"kind",
                      "is required: one of high_risk, risk_increase, level_up, "
                      "model_degradation, data_drift, job_failures"});
  else if (kind_it == settings.end())
    errors.push_back({"kind",
                      "must be one of high_risk, risk_increase, level_up, "
                      "model_degradation, data_drift, job_failures"});

  if (body.contains("enabled")) {
    if (body["enabled"].is_boolean())
      rule.enabled = body["enabled"].get<bool>();
    else
      errors.push_back({"enabled", "must be true or false"});
  }
  if (body.contains("cooldown_seconds")) {
    const Json &v = body["cooldown_seconds"];
    if (v.is_number_integer() && v.get<std::int64_t>() >= 0 &&
        v.get<std::int64_t>() <= 365 * 86400)
      rule.cooldown_seconds = v.get<std::int64_t>();
    else
      errors.push_back(
          {"cooldown_seconds",
           "must be a whole number of seconds from 0 to 31536000"});
  }
  if (body.contains("min_severity")) {
    const Json &v = body["min_severity"];
    if (v.is_string() && severity_rank(v.get<std::string>()) >= 0)
      rule.min_severity = v.get<std::string>();
    else
      errors.push_back({"min_severity", "must be info, warning or critical"});
  }
  if (body.contains("customer_filter")) {
    const Json &f = body["customer_filter"];
    if (!f.is_object() && !f.is_null()) {
      errors.push_back(
          {"customer_filter", "must be an object like {\"Geography\": "
                              "\"France\", \"Age[gte]\": 40}"});
    } else {
      Json filter = Json::object();
      QueryParams params;
      if (f.is_object()) {
        for (const auto &[key, value] : f.items()) {
          if (value.is_string())
            filter[key] = value;
          else if (value.is_number() || value.is_boolean())
            filter[key] = value.dump();
          else
            errors.push_back({"customer_filter." + key,
                              "must be a string, number or boolean"});
          if (filter.contains(key))
            params.emplace_back(key, filter[key].get<std::string>());
        }
      }
      // Checked against the schema of today; the monitor checks again when
      // it runs, since the schema may change.
      if (auto schema = store_.current_schema(); schema && !params.empty()) {
        try {
          parse_customer_query(*schema, params, false);
        } catch (const core::Invalid &e) {
          for (const FieldError &fe : e.errors())
            errors.push_back({"customer_filter." + fe.field, fe.message});
          if (e.errors().empty())
            errors.push_back({"customer_filter", e.what()});
        }
      }
      rule.customer_filter = filter;
    }
  }
  if (body.contains("webhook_url")) {
    if (!body["webhook_url"].is_string()) {
      errors.push_back({"webhook_url", "must be a Discord webhook URL"});
    } else {
      try {
        const std::string url = body["webhook_url"].get<std::string>();
        alerts::WebhookTarget target = alerts::parse_webhook_url(url, policy_);
        rule.webhook_sealed = box_.seal(url);
        rule.webhook_masked = target.mask();
      } catch (const core::Invalid &e) {
        errors.push_back({"webhook_url", e.errors().empty()
                                             ? e.what()
                                             : e.errors().front().message});
      }
    }
  } else if (creating) {
    errors.push_back({"webhook_url",
                      "is required: a Discord webhook URL "
                      "(https://discord.com/api/webhooks/<id>/<token>)"});
  }

  // The kind's settings: members not common to every rule.
  if (kind_it != settings.end()) {
    Json params = rule.kind == old_kind ? rule.params : Json::object();
    for (const auto &[key, value] : body.items()) {
      if (kCommonMembers.count(key))
        continue;
      if (!kind_it->second.count(key)) {
        errors.push_back({key, "is not a setting of a " + rule.kind + " rule"});
        continue;
      }
      if (value.is_null())
        params.erase(key);
      else
        params[key] = value;
    }
    check_settings(rule.kind, params, errors);
    rule.params = params;
  }
  if (!errors.empty())
    throw core::Invalid("invalid alert rule", errors);
}

storage::AlertRule AlertRules::create(const Json &body,
                                      const std::string &created_by) {
  storage::AlertRule rule;
  rule.cooldown_seconds = kDefaultAlertCooldownSeconds;
  rule.created_by = created_by;
  apply(rule, body, true);
  return store_.create_alert_rule(rule);
}

storage::AlertRule AlertRules::update(std::int64_t id, const Json &body) {
  storage::AlertRule rule = get(id);
  apply(rule, body, false);
  return store_.update_alert_rule(rule);
}

void AlertRules::remove(std::int64_t id) {
  if (!store_.delete_alert_rule(id))
    throw core::NotFound("no alert rule " + std::to_string(id));
}

storage::AlertRule AlertRules::get(std::int64_t id) {
  auto rule = store_.find_alert_rule(id);
  if (!rule)
    throw core::NotFound("no alert rule " + std::to_string(id));
  return *rule;
}

alerts::WebhookTarget
AlertRules::webhook(const storage::AlertRule &rule) const {
  return alerts::parse_webhook_url(box_.open(rule.webhook_sealed), policy_);
}

Json alert_rule_to_json(const storage::AlertRule &rule) {
  Json j = {{"id", rule.id},
            {"name", rule.name},
            {"kind", rule.kind},
            {"enabled", rule.enabled},
            {"webhook_url", rule.webhook_masked},
            {"customer_filter", rule.customer_filter},
            {"cooldown_seconds", rule.cooldown_seconds},
            {"min_severity", rule.min_severity},
            {"created_by", rule.created_by},
            {"created_at", rule.created_at},
            {"updated_at", rule.updated_at}};
  for (const auto &[key, value] : rule.params.items())
    j[key] = value;
  return j;
}

Json alert_event_to_json(const storage::AlertEvent &e) {
  auto or_null = [](const std::string &s) {
    return s.empty() ? Json(nullptr) : Json(s);
  };
  return {{"id", e.id},
          {"rule_id", e.rule_id},
          {"customer_id", or_null(e.customer_id)},
          {"kind", e.kind},
          {"severity", e.severity},
          {"state", e.state},
          {"attempts", e.attempts},
          {"next_attempt_at", e.state == "pending" || e.state == "sending"
                                  ? Json(e.next_attempt_at)
                                  : Json(nullptr)},
          {"error", or_null(e.error)},
          {"run_id", or_null(e.run_id)},
          {"payload", e.payload},
          {"created_at", e.created_at},
          {"delivered_at", or_null(e.delivered_at)}};
}

Json alert_stats_to_json(const storage::AlertStats &s) {
  Json by_rule = Json::array();
  for (const auto &[rule, n] : s.by_rule)
    by_rule.push_back({{"rule_id", rule}, {"events", n}});
  std::int64_t total = 0;
  for (const auto &[state, n] : s.by_state)
    total += n;
  return {{"total", total},
          {"by_state", s.by_state},
          {"by_severity", s.by_severity},
          {"by_rule", by_rule},
          {"last_delivered_at", s.last_delivered_at.empty()
                                    ? Json(nullptr)
                                    : Json(s.last_delivered_at)},
          {"last_failure", s.last_failed_error.empty()
                               ? Json(nullptr)
                               : Json(s.last_failed_error)}};
}

} // namespace churnwatch::services
