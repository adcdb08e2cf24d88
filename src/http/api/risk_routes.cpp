// Scoring and risk: what-if and stored predictions, batch scoring, a
// customer's risk history and the risk summary. Batch scoring runs as a
// background job (kind "score"): the route answers 202 with the job. Predictions and reading risk
// are for viewers (the customer_id form of predict stores one history row,
// which is the same as reading a fresh score); batch scoring rewrites every
// customer's current risk, so it needs an analyst.
#include <charconv>
#include <chrono>
#include <optional>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "http/api/json_io.hpp"
#include "http/api/routes.hpp"
#include "services/customers.hpp"
#include "services/scoring_service.hpp"

namespace churnwatch::http {
namespace {

using services::AccessLevel;

// A window bound from the query: a UTC timestamp the store compares with
// its own, or `fallback` when absent.
std::string window_bound(const Request& req, const char* name, const std::string& fallback,
                         std::vector<core::FieldError>& errors) {
  const std::string value = req.query_param(name).value_or("");
  if (value.empty()) return fallback;
  auto t = core::parse_iso8601(value);
  if (!t) {
    errors.push_back({name, "must be a UTC date (YYYY-MM-DD) or time (YYYY-MM-DDTHH:MM:SSZ)"});
    return fallback;
  }
  return core::to_iso8601(*t);
}

}  // namespace

void add_risk_routes(ApiRouter& api, ApiContext& ctx) {
  api.route("POST", "/api/v1/predict", AccessLevel::kViewer, [&ctx](Request& req) {
    auto body = parse_json_body(req);
    if (!body.is_object() || (body.contains("attributes") == body.contains("customer_id")))
      throw core::Invalid("give either \"attributes\" (a what-if, not stored) or \"customer_id\" (scored and stored)",
                          {{"body", "exactly one of attributes, customer_id is required"}});
    if (body.contains("customer_id")) {
      if (!body["customer_id"].is_string())
        throw core::Invalid("invalid customer_id", {{"customer_id", "must be a string"}});
      auto r = ctx.scoring.score_customer(body["customer_id"].get<std::string>());
      auto j = services::risk_record_to_json(r);
      j["stored"] = true;
      return json_response(200, j);
    }
    auto j = services::predict_result_to_json(ctx.scoring.predict(body["attributes"]));
    j["stored"] = false;
    return json_response(200, j);
  });

  api.route("POST", "/api/v1/scoring/run", AccessLevel::kAnalyst, [&ctx](Request& req) {
    if (!ctx.model_jobs) throw core::Unavailable("background jobs are not enabled on this server");
    return job_accepted(
        ctx.model_jobs->start_scoring(req.query, {std::string(req.header("idempotency-key")), req.username}));
  });

  api.route("GET", "/api/v1/customers/{id}/risk-history", AccessLevel::kViewer, [&ctx](Request& req) {
    const auto limit = query_int(req, "limit", 100, 1, 10000);
    auto items = nlohmann::json::array();
    for (const auto& r : ctx.scoring.history(req.param("id"), limit))
      items.push_back(services::risk_record_to_json(r));
    return json_response(200, {{"customer_id", req.param("id")}, {"items", std::move(items)}});
  });

  api.route("GET", "/api/v1/risk/summary", AccessLevel::kViewer, [&ctx](Request& req) {
    const auto limit = query_int(req, "limit", 10, 1, 1000);
    const auto days = query_int(req, "days", 30, 1, 366);
    auto render = [&] {
      return services::risk_summary_to_json(ctx.scoring.summary(limit, static_cast<int>(days)),
                                            ctx.scoring.options())
          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    };
    // The same for every role; the key is the validated parameters.
    if (!ctx.reads) return Response::json(200, render());
    const auto key = "limit=" + std::to_string(limit) + "&days=" + std::to_string(days);
    return Response::json(200, ctx.reads->response("risk_summary", key, render));
  });

  // Departures known in [since, until) (default: the last 90 days).
  api.route("GET", "/api/v1/risk/outcomes", AccessLevel::kViewer, [&ctx](Request& req) {
    std::vector<core::FieldError> errors;
    const auto now = std::chrono::system_clock::now();
    const auto until = window_bound(req, "until", core::to_iso8601(now), errors);
    const auto since =
        window_bound(req, "since", core::to_iso8601(now - std::chrono::hours(24 * 90)), errors);
    std::optional<std::int64_t> model_version;
    if (req.query_param("model_version").value_or("") != "")
      model_version = query_int(req, "model_version", 0, 1, INT64_MAX / 2);
    if (!errors.empty()) throw core::Invalid("invalid query parameters", std::move(errors));
    if (since >= until) throw core::Invalid("the window is empty", {{"since", "must be before until"}});
    return json_response(200,
                         services::outcome_report_to_json(ctx.scoring.outcomes(since, until, model_version)));
  });
}

}  // namespace churnwatch::http
