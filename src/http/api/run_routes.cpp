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

services::TrainingRuns& runs_of(ApiContext& ctx) {
  if (!ctx.runs) throw core::Unavailable("experiment tracking is not enabled on this server");
  return *ctx.runs;
}

}  // namespace

void add_run_routes(ApiRouter& api, ApiContext& ctx) {
  api.route("GET", "/api/v1/runs", AccessLevel::kViewer, [&ctx](Request& req) {
    const auto limit = query_int(req, "limit", 20, 1, 200);
    const auto offset = query_int(req, "offset", 0, 0, 100000);
    return json_response(200, runs_of(ctx).list(limit, offset));
  });

  api.route("GET", "/api/v1/runs/{id}", AccessLevel::kViewer,
            [&ctx](Request& req) { return json_response(200, runs_of(ctx).get(req.param("id"))); });
}

}  // namespace churnwatch::http
