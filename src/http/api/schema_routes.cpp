// /api/v1/schema*: the dataset schema.
#include <sstream>

#include "http/api/json_io.hpp"
#include "http/api/routes.hpp"
#include "http/multipart.hpp"

namespace churnwatch::http {

using services::AccessLevel;

void add_schema_routes(ApiRouter& api, ApiContext& ctx) {
  api.route("GET", "/api/v1/schema", AccessLevel::kViewer,
            [&ctx](Request&) { return json_response(200, ctx.schema.current()); });

  api.route("PUT", "/api/v1/schema", AccessLevel::kAnalyst, [&ctx](Request& req) {
    auto schema = parse_json_body(req).get<core::DatasetSchema>();
    return json_response(200, ctx.schema.replace(std::move(schema)));
  });

  // The UI sends the first MiB of a file; the limit leaves room for that.
  api.route(
      "POST", "/api/v1/schema/infer", AccessLevel::kAnalyst,
      [&ctx](Request& req) {
        std::istringstream in(std::string(csv_upload(req).csv));
        return json_response(200, ctx.schema.preview(in));
      },
      BodyLimit{4 << 20});
}

}  // namespace churnwatch::http
