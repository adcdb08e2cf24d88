// Health, readiness, metrics and the API description.
#include <cmath>

#include "core/errors.hpp"
#include "core/metrics.hpp"
#include "http/api/json_io.hpp"
#include "http/api/routes.hpp"
#include "http/openapi.hpp"

namespace churnwatch::http {

namespace {

// The built-in checks (store, queue, model) followed by the registered ones.
core::ReadinessReport readiness(ApiContext& ctx) {
  core::ReadinessChecks checks;
  checks.add("store", true, [&ctx] {
    ctx.store.ping();
    return std::string();
  });
  if (ctx.jobs) {
    checks.add("queue", true, [&ctx] { return std::to_string(ctx.jobs->depth()) + " job(s) waiting"; });
  }
  // Optional: a fresh installation has no model until the first training, and
  // it must still be ready to import customers and train one.
  checks.add("model", false, [&ctx] {
    return "production model version " + std::to_string(ctx.models.production()->version) + " loaded";
  });
  auto report = checks.run();
  if (ctx.readiness) {
    auto extra = ctx.readiness->run();
    report.ready = report.ready && extra.ready;
    for (auto& c : extra.checks) report.checks.push_back(std::move(c));
  }
  return report;
}

// Values read at scrape time rather than tracked: what the queue and the
// model registry say now.
void update_scrape_metrics(ApiContext& ctx) {
  auto& registry = core::default_metrics();
  static auto& loaded =
      registry.gauge("churnwatch_model_loaded", "1 when a production model is loaded and can score, else 0.");
  static auto& version =
      registry.gauge("churnwatch_model_version", "Version of the production model in use (0: none).");
  try {
    const auto model = ctx.models.production();
    loaded.with({}).set(1);
    version.with({}).set(static_cast<double>(model->version));
  } catch (const std::exception&) {
    loaded.with({}).set(0);
    version.with({}).set(0);
  }
  if (!ctx.jobs) return;
  static auto& depth =
      registry.gauge("churnwatch_job_queue_depth", "Jobs waiting to run (queued), in the whole queue.");
  static auto& by_state = registry.gauge(
      "churnwatch_jobs", "Jobs in the queue by state, all kinds and all workers (as stored).", {"state"});
  static auto& up =
      registry.gauge("churnwatch_job_queue_up", "1 when the job queue answered this scrape, else 0.");
  try {
    for (const auto& [state, n] : ctx.jobs->counts())
      by_state.with({std::string(queue::to_string(state))}).set(static_cast<double>(n));
    depth.with({}).set(static_cast<double>(ctx.jobs->depth()));
    up.with({}).set(1);
  } catch (const std::exception&) {
    up.with({}).set(0);  // the other metrics still answer
  }
}

bool same_secret(std::string_view a, std::string_view b) {
  // Constant time in the content, so the token cannot be guessed byte by byte.
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= a[i] ^ (i < b.size() ? b[i] : 0);
  return diff == 0;
}

}  // namespace

void add_system_routes(ApiRouter& api, ApiContext& ctx) {
  api.public_route("GET", "/healthz", [](Request&) { return json_response(200, {{"status", "ok"}}); });

  api.public_route("GET", "/readyz", [&ctx](Request&) {
    const auto report = readiness(ctx);
    nlohmann::json checks = nlohmann::json::object();
    for (const auto& c : report.checks) {
      checks[c.name] = {{"state", c.ok ? "ok" : "failed"},
                        {"required", c.required},
                        {"detail", c.detail},
                        {"duration_ms", std::round(c.duration_ms * 1000) / 1000}};
    }
    return json_response(report.ready ? 200 : 503,
                         {{"status", report.ready ? "ready" : "not ready"}, {"checks", checks}});
  });

  api.public_route("GET", "/metrics", [&ctx](Request& req) {
    if (!ctx.metrics_token.empty()) {
      const std::string_view auth = req.header("authorization");
      constexpr std::string_view kPrefix = "Bearer ";
      if (auth.size() <= kPrefix.size() || auth.substr(0, kPrefix.size()) != kPrefix ||
          !same_secret(auth.substr(kPrefix.size()), ctx.metrics_token))
        throw core::Unauthorized("/metrics needs 'Authorization: Bearer <CHURNWATCH_METRICS_TOKEN>'");
    }
    update_scrape_metrics(ctx);
    Response r;
    r.content_type = std::string(core::kPrometheusContentType);
    r.body = core::default_metrics().render();
    return r;
  });

  // The API reference page is part of the built UI (swagger-ui-dist, served
  // locally); this address is the one people guess.
  api.public_route("GET", "/api/docs", [](Request&) {
    Response r;
    r.status = 302;
    r.content_type.clear();
    r.set_header("Location", "/api-docs/");
    return r;
  });

  api.public_route("GET", "/api/v1/openapi.json",
                   [](Request&) { return Response::json(200, std::string(openapi_document())); });
}

Router build_api_router(ApiContext& ctx, std::vector<RouteAccess>* access) {
  Router router;
  ApiRouter api(router, ctx.accounts, ctx.security);
  add_system_routes(api, ctx);
  add_auth_routes(api, ctx);
  add_audit_routes(api, ctx);
  add_schema_routes(api, ctx);
  add_transfer_routes(api, ctx);
  add_job_routes(api, ctx);
  add_customer_routes(api, ctx);
  add_model_routes(api, ctx);
  add_risk_routes(api, ctx);
  add_schedule_routes(api, ctx);
  add_run_routes(api, ctx);
  add_alert_routes(api, ctx);
  if (access) *access = api.access_table();
  return router;
}

}  // namespace churnwatch::http
