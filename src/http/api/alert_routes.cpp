// /api/v1/alerts: alert rules (what monitoring watches for and which Discord
// webhook hears about it). Analysts and admins change them, viewers read
// them; webhook URLs are only ever shown masked. Every change is audited by
// the router.
#include "core/errors.hpp"
#include "http/api/json_io.hpp"
#include "http/api/routes.hpp"

namespace churnwatch::http {
namespace {

using services::AccessLevel;

services::AlertRules &rules_of(ApiContext &ctx) {
  if (!ctx.alert_rules)
    throw core::Unavailable("alerts are not enabled on this server");
  return *ctx.alert_rules;
}

std::int64_t rule_id(const Request &req) {
  const std::string &raw = req.param("id");
  try {
    std::size_t used = 0;
    const long long id = std::stoll(raw, &used);
    if (used == raw.size() && id > 0)
      return id;
  } catch (const std::exception &) {
  }
  throw core::NotFound("no alert rule has id '" + raw + "'");
}

std::int64_t int_param(const Request &req, const char *name, std::int64_t def,
                       std::int64_t lo, std::int64_t hi,
                       std::vector<core::FieldError> &errors) {
  auto v = req.query_param(name);
  if (!v)
    return def;
  try {
    std::size_t used = 0;
    const long long n = std::stoll(*v, &used);
    if (used == v->size() && n >= lo && n <= hi)
      return n;
  } catch (const std::exception &) {
  }
  errors.push_back({name, "must be a whole number from " + std::to_string(lo) +
                              " to " + std::to_string(hi)});
  return def;
}

// A UTC time as stored timestamps compare: 2026-11-28 or 2026-11-28T09:30:00Z.
bool is_timestamp(const std::string &s) {
  static const std::string kShape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (s.size() < 10 || s.size() > kShape.size())
    return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i + 1 == s.size() && s.size() > 10 && s[i] == 'Z')
      continue;
    const char want = kShape[i];
    if (want == 'd' ? !std::isdigit(static_cast<unsigned char>(s[i]))
                    : s[i] != want)
      return false;
  }
  return s.size() == 10 || s.back() == 'Z';
}

} // namespace

void add_alert_routes(ApiRouter &api, ApiContext &ctx) {
  api.route(
      "GET", "/api/v1/alerts/rules", AccessLevel::kViewer, [&ctx](Request &) {
        nlohmann::json items = nlohmann::json::array();
        for (const auto &rule : rules_of(ctx).list())
          items.push_back(services::alert_rule_to_json(rule));
        return json_response(200, {{"items", items}, {"total", items.size()}});
      });

  api.route("POST", "/api/v1/alerts/rules", AccessLevel::kAnalyst,
            [&ctx](Request &req) {
              auto rule =
                  rules_of(ctx).create(parse_json_body(req), req.username);
              Response res =
                  json_response(201, services::alert_rule_to_json(rule));
              res.set_header("Location",
                             "/api/v1/alerts/rules/" + std::to_string(rule.id));
              return res;
            });

  api.route("GET", "/api/v1/alerts/rules/{id}", AccessLevel::kViewer,
            [&ctx](Request &req) {
              return json_response(200, services::alert_rule_to_json(
                                            rules_of(ctx).get(rule_id(req))));
            });

  api.route("PATCH", "/api/v1/alerts/rules/{id}", AccessLevel::kAnalyst,
            [&ctx](Request &req) {
              const std::int64_t id = rule_id(req);
              auto rule = rules_of(ctx).update(id, parse_json_body(req));
              return json_response(200, services::alert_rule_to_json(rule));
            });

  api.route("DELETE", "/api/v1/alerts/rules/{id}", AccessLevel::kAnalyst,
            [&ctx](Request &req) {
              rules_of(ctx).remove(rule_id(req));
              Response res;
              res.status = 204;
              return res;
            });

  api.route("POST", "/api/v1/alerts/rules/{id}/test", AccessLevel::kAnalyst,
            [&ctx](Request &req) {
              auto rule = rules_of(ctx).get(rule_id(req));
              if (!ctx.alert_dispatcher)
                throw core::Unavailable(
                    "alert delivery is not enabled on this server");
              auto result = ctx.alert_dispatcher->send_test(rule);
              const bool delivered =
                  result.state == alerts::DeliveryState::kDelivered;
              return json_response(
                  200,
                  {{"delivered", delivered},
                   {"state", alerts::delivery_state_name(result.state)},
                   {"http_status", result.http_status == 0
                                       ? nlohmann::json(nullptr)
                                       : nlohmann::json(result.http_status)},
                   {"reason", delivered ? nlohmann::json(nullptr)
                                        : nlohmann::json(result.reason)},
                   {"webhook_url", rule.webhook_masked}});
            });

  api.route(
      "GET", "/api/v1/alerts/events", AccessLevel::kViewer,
      [&ctx](Request &req) {
        storage::AlertEventQuery q;
        std::vector<core::FieldError> errors;
        if (req.query_param("rule_id"))
          q.rule_id =
              int_param(req, "rule_id", 0, 1,
                        std::numeric_limits<std::int64_t>::max(), errors);
        q.customer_id = req.query_param("customer_id").value_or("");
        q.state = req.query_param("state").value_or("");
        if (!q.state.empty() && q.state != "pending" && q.state != "sending" &&
            q.state != "delivered" && q.state != "failed")
          errors.push_back(
              {"state", "must be pending, sending, delivered or failed"});
        for (auto [name, slot] :
             {std::pair{"since", &q.since}, std::pair{"until", &q.until}}) {
          *slot = req.query_param(name).value_or("");
          if (!slot->empty() && !is_timestamp(*slot))
            errors.push_back(
                {name,
                 "must be a UTC time like 2026-11-28 or 2026-11-28T09:30:00Z"});
        }
        q.limit = int_param(req, "limit", 50, 1, 1000, errors);
        q.offset = int_param(req, "offset", 0, 0,
                             std::numeric_limits<std::int64_t>::max(), errors);
        if (!errors.empty())
          throw core::Invalid("invalid alert event query", errors);
        auto page = rules_of(ctx).events(q);
        nlohmann::json items = nlohmann::json::array();
        for (const auto &e : page.items)
          items.push_back(services::alert_event_to_json(e));
        return json_response(200, {{"items", items},
                                   {"total", page.total},
                                   {"limit", q.limit},
                                   {"offset", q.offset}});
      });

  api.route("GET", "/api/v1/alerts/stats", AccessLevel::kViewer,
            [&ctx](Request &) {
              return json_response(
                  200, services::alert_stats_to_json(rules_of(ctx).stats()));
            });

  api.route("POST", "/api/v1/monitoring/run", AccessLevel::kAnalyst,
            [&ctx](Request &req) {
              if (!ctx.monitoring)
                throw core::Unavailable(
                    "monitoring is not enabled on this server");
              return job_accepted(ctx.monitoring->start(
                  req.username, std::string(req.header("idempotency-key"))));
            });
}

} // namespace churnwatch::http
