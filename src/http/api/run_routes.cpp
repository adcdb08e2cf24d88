// /api/v1/runs: training runs as the experiment tracker recorded them (the
// mlruns folder or an MLflow server), to list and compare. Every role may
// read them: they say no more than the model pages do.
#include <charconv>

#include "core/errors.hpp"
#include "http/api/json_io.hpp"
#include "http/api/routes.hpp"

namespace churnwatch::http {
namespace {

using services::AccessLevel;

std::int64_t int_param(const Request& req, std::string_view name, std::int64_t fallback, std::int64_t lo,
                       std::int64_t hi) {
  auto text = req.query_param(name);
  if (!text) return fallback;
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || ptr != text->data() + text->size() || v < lo || v > hi)
    throw core::Invalid("invalid query parameters",
                        {{std::string(name), "must be a whole number from " + std::to_string(lo) + " to " +
                                                 std::to_string(hi)}});
  return v;
}

services::TrainingRuns& runs_of(ApiContext& ctx) {
  if (!ctx.runs) throw core::Unavailable("experiment tracking is not enabled on this server");
  return *ctx.runs;
}

}  // namespace

void add_run_routes(ApiRouter& api, ApiContext& ctx) {
  api.route("GET", "/api/v1/runs", AccessLevel::kViewer, [&ctx](Request& req) {
    const auto limit = int_param(req, "limit", 20, 1, 200);
    const auto offset = int_param(req, "offset", 0, 0, 100000);
    return json_response(200, runs_of(ctx).list(limit, offset));
  });

  api.route("GET", "/api/v1/runs/{id}", AccessLevel::kViewer,
            [&ctx](Request& req) { return json_response(200, runs_of(ctx).get(req.param("id"))); });
}

}  // namespace churnwatch::http
