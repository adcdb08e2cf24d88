// /api/v1/models*: train, list, read and promote model versions.
//
// Training is a background job (kind "train", services/model_jobs.hpp): the
// route answers 202 with the job and its Location, and the job's result holds
// the new version. Roles: listing and reading models is for viewers; training and promoting
// (which is also how a rollback is done) change what every user sees, so they
// need an analyst — the same people who import and edit customers.
#include <charconv>

#include "core/errors.hpp"
#include "http/api/json_io.hpp"
#include "http/api/routes.hpp"
#include "services/model_service.hpp"

namespace churnwatch::http {
namespace {

using services::AccessLevel;

std::int64_t version_param(const Request& req) {
  const auto& text = req.param("version");
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v < 1)
    throw core::NotFound("no model version '" + text + "'");
  return v;
}

}  // namespace

void add_model_routes(ApiRouter& api, ApiContext& ctx) {
  api.route("POST", "/api/v1/models/train", AccessLevel::kAnalyst, [&ctx](Request& req) {
    if (!ctx.model_jobs) throw core::Unavailable("background jobs are not enabled on this server");
    const auto body = req.body.empty() ? nlohmann::json::object() : parse_json_body(req);
    return job_accepted(ctx.model_jobs->start_training(
        body, {std::string(req.header("idempotency-key")), req.username}));
  });

  api.route("GET", "/api/v1/models", AccessLevel::kViewer, [&ctx](Request&) {
    auto items = nlohmann::json::array();
    for (const auto& m : ctx.models.list()) items.push_back(services::model_to_json(m, false));
    return json_response(200, {{"items", std::move(items)}});
  });

  api.route("GET", "/api/v1/models/{version}", AccessLevel::kViewer, [&ctx](Request& req) {
    return json_response(200, services::model_to_json(ctx.models.get(version_param(req)), true));
  });

  api.route("POST", "/api/v1/models/{version}/promote", AccessLevel::kAnalyst, [&ctx](Request& req) {
    return json_response(200, services::model_to_json(ctx.models.promote(version_param(req)), false));
  });
}

}  // namespace churnwatch::http
