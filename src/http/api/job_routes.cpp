// /api/v1/jobs: background jobs — list, read, cancel, and the file an export
// job wrote. Jobs are started by the routes of what they do
// (POST /api/v1/customers/import?async=true, POST /api/v1/customers/export).
#include <fstream>

#include "core/errors.hpp"
#include "http/api/json_io.hpp"
#include "http/api/routes.hpp"

namespace churnwatch::http {
namespace {

using services::AccessLevel;

queue::JobQueue &jobs_of(ApiContext &ctx) {
  if (!ctx.jobs)
    throw core::Unavailable("background jobs are not enabled on this server");
  return *ctx.jobs;
}

} // namespace

void add_job_routes(ApiRouter &api, ApiContext &ctx) {
  api.route("GET", "/api/v1/jobs", AccessLevel::kViewer, [&ctx](Request &req) {
    queue::JobFilter filter;
    if (auto s = req.query_param("state"))
      filter.state = queue::parse_job_state(*s);
    filter.kind = req.query_param("kind").value_or("");
    filter.limit = query_int(req, "limit", 50, 1, 1000);
    filter.offset = query_int(req, "offset", 0, 0, INT64_MAX);
    auto page = jobs_of(ctx).list(filter);
    return json_response(200, {{"items", page.items}, {"total", page.total}});
  });

  api.route("GET", "/api/v1/jobs/{id}", AccessLevel::kViewer,
            [&ctx](Request &req) {
              auto job = jobs_of(ctx).get(req.param("id"));
              if (!job)
                throw core::NotFound("no job has id '" + req.param("id") + "'");
              return json_response(200, *job);
            });

  api.route("POST", "/api/v1/jobs/{id}/cancel", AccessLevel::kAnalyst,
            [&ctx](Request &req) {
              auto job = jobs_of(ctx).cancel(req.param("id"));
              return json_response(
                  job.state == queue::JobState::kCancelled ? 200 : 202, job);
            });

  api.route("GET", "/api/v1/jobs/{id}/download", AccessLevel::kViewer,
            [&ctx](Request &req) {
              if (!ctx.transfers)
                throw core::Unavailable(
                    "background jobs are not enabled on this server");
              const auto path = ctx.transfers->export_file(req.param("id"));
              auto in = std::make_shared<std::ifstream>(path, std::ios::binary);
              if (!*in)
                throw core::NotFound("the file of export job '" +
                                     req.param("id") + "' is gone");
              const bool csv = path.extension() == ".csv";
              Response r;
              r.content_type =
                  csv ? "text/csv; charset=utf-8" : "application/x-ndjson";
              r.set_header("Content-Disposition",
                           std::string("attachment; filename=\"customers.") +
                               (csv ? "csv" : "jsonl") + "\"");
              r.stream = [in](std::string &out) {
                char buf[64 * 1024];
                in->read(buf, sizeof buf);
                out.append(buf, static_cast<std::size_t>(in->gcount()));
                return static_cast<bool>(*in);
              };
              return r;
            });
}

// The answer to a request that started a job: 202, where to poll, the job.
Response job_accepted(const queue::Job &job) {
  auto r = json_response(202, job);
  r.set_header("Location", "/api/v1/jobs/" + job.id);
  return r;
}

} // namespace churnwatch::http
