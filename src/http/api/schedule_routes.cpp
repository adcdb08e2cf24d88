// /api/v1/schedules: the periodic jobs (monitoring, retraining) — their cron
// expressions, whether they are on, and when they run next.
#include "core/errors.hpp"
#include "http/api/json_io.hpp"
#include "http/api/routes.hpp"

namespace churnwatch::http {
namespace {

using services::AccessLevel;

services::Scheduler& scheduler_of(ApiContext& ctx) {
  if (!ctx.scheduler)
    throw core::Unavailable("schedules need background jobs, which are not enabled on this server");
  return *ctx.scheduler;
}

}  // namespace

void add_schedule_routes(ApiRouter& api, ApiContext& ctx) {
  api.route("GET", "/api/v1/schedules", AccessLevel::kViewer, [&ctx](Request&) {
    return json_response(200, {{"items", scheduler_of(ctx).list()}});
  });

  api.route("PUT", "/api/v1/schedules/{name}", AccessLevel::kAdmin, [&ctx](Request& req) {
    const auto body = parse_json_body(req);
    if (!body.is_object()) throw core::Invalid("the body must be a JSON object with cron and/or enabled");
    std::vector<core::FieldError> errors;
    std::optional<std::string> cron;
    std::optional<bool> enabled;
    for (const auto& [key, value] : body.items()) {
      if (key == "cron") {
        if (value.is_string())
          cron = value.get<std::string>();
        else
          errors.push_back(
              {"cron", "must be a cron expression as a string, e.g. \"@hourly\" or \"0 3 * * *\""});
      } else if (key == "enabled") {
        if (value.is_boolean())
          enabled = value.get<bool>();
        else
          errors.push_back({"enabled", "must be true or false"});
      } else {
        errors.push_back({key, "unknown member; a schedule takes cron and enabled"});
      }
    }
    if (errors.empty() && !cron && !enabled) errors.push_back({"cron", "give cron, enabled or both"});
    if (!errors.empty()) throw core::Invalid("invalid schedule change", std::move(errors));
    auto schedule = scheduler_of(ctx).update(req.param("name"), cron, enabled, req.username);
    return json_response(200, schedule);
  });
}

}  // namespace churnwatch::http
