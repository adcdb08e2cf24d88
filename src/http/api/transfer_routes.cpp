// /api/v1/customers/import and /export: whole tables in and out.
#include <istream>
#include <streambuf>

#include "core/errors.hpp"
#include "core/json_guard.hpp"
#include "http/api/json_io.hpp"
#include "http/api/routes.hpp"
#include "http/multipart.hpp"
#include "http/stream_pipe.hpp"
#include "services/customer_io.hpp"

namespace churnwatch::http {
namespace {

using services::AccessLevel;

storage::WriteMode parse_mode(const Request& req) {
  auto mode = req.query_param("mode").value_or("insert");
  if (mode == "insert") return storage::WriteMode::kInsert;
  if (mode == "upsert") return storage::WriteMode::kUpsert;
  if (mode == "replace") return storage::WriteMode::kReplace;
  throw core::Invalid("unknown import mode", {{"mode", "must be insert, upsert or replace"}});
}

services::JobRequest job_request(const Request& req) {
  return {std::string(req.header("idempotency-key")), req.username};
}

// Reads a view without copying it (the upload may be a mapped file of
// hundreds of megabytes).
class ViewBuffer : public std::streambuf {
 public:
  explicit ViewBuffer(std::string_view text) {
    char* p = const_cast<char*>(text.data());
    setg(p, p, p + text.size());
  }
};

// The upload's "schema" part, read under the same limits as a JSON body and
// validated; nullopt when the form has none.
std::optional<core::DatasetSchema> upload_schema(const CsvUpload& upload) {
  if (!upload.schema_json) return std::nullopt;
  auto schema = core::parse_untrusted_json(*upload.schema_json, "schema").get<core::DatasetSchema>();
  schema.validate();
  return schema;
}

}  // namespace

void add_transfer_routes(ApiRouter& api, ApiContext& ctx) {
  api.route(
      "POST", "/api/v1/customers/import", AccessLevel::kAnalyst,
      [&ctx](Request& req) {
        auto upload = csv_upload(req);
        const auto schema = upload_schema(upload);
        if (req.query_param("async").value_or("false") == "true") {
          if (!ctx.transfers) throw core::Unavailable("background jobs are not enabled on this server");
          return job_accepted(ctx.transfers->start_import(upload.csv, parse_mode(req), upload.filename,
                                                          schema, job_request(req)));
        }
        services::ImportOptions options;
        options.mode = parse_mode(req);
        options.source = upload.filename;
        options.schema = schema;
        ViewBuffer buffer(upload.csv);
        std::istream in(&buffer);
        auto result = services::import_csv(ctx.store, in, options);
        return json_response(200, {{"created", result.created},
                                   {"updated", result.updated},
                                   {"skipped", result.skipped},
                                   {"schema_version", result.schema_version},
                                   {"schema_created", result.schema_created}});
      },
      // The only route that takes a large body: read to a file, and only
      // once the analyst's token and role have been checked.
      BodyLimit{kLargestBody, true});

  api.route("GET", "/api/v1/customers/export", AccessLevel::kViewer, [&ctx](Request& req) {
    auto format = services::parse_export_format(req.query_param("format").value_or("csv"));
    auto query = services::parse_customer_query(ctx.customers.schema(), req.query, false);
    Response r;
    const bool csv = format == services::ExportFormat::kCsv;
    r.content_type = csv ? "text/csv; charset=utf-8" : "application/x-ndjson";
    r.set_header("Content-Disposition",
                 std::string("attachment; filename=\"customers.") + (csv ? "csv" : "jsonl") + "\"");
    r.stream = pipe_stream([&store = ctx.store, query, format](const Sink& sink) {
      services::export_customers(store, query, format, sink);
    });
    return r;
  });

  // The same export as a background job; the file is fetched from
  // GET /api/v1/jobs/{id}/download once the job succeeded.
  api.route("POST", "/api/v1/customers/export", AccessLevel::kViewer, [&ctx](Request& req) {
    if (!ctx.transfers) throw core::Unavailable("background jobs are not enabled on this server");
    auto format = services::parse_export_format(req.query_param("format").value_or("csv"));
    services::QueryParams filters;
    for (const auto& [name, value] : req.query) {
      if (name != "format") filters.emplace_back(name, value);
    }
    return job_accepted(ctx.transfers->start_export(format, filters, job_request(req)));
  });
}

}  // namespace churnwatch::http
