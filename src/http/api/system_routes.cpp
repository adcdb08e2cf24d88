// Health, readiness and the API description.
#include "http/api/json_io.hpp"
#include "http/api/routes.hpp"
#include "http/openapi.hpp"

namespace churnwatch::http {

void add_system_routes(ApiRouter& api, ApiContext& ctx) {
  api.public_route("GET", "/healthz", [](Request&) { return json_response(200, {{"status", "ok"}}); });

  api.public_route("GET", "/readyz", [&ctx](Request&) {
    nlohmann::json checks = nlohmann::json::object();
    bool ready = true;
    try {
      ctx.store.ping();
      checks["store"] = "ok";
    } catch (const std::exception& e) {
      checks["store"] = std::string("unavailable: ") + e.what();
      ready = false;
    }
    return json_response(ready ? 200 : 503, {{"status", ready ? "ready" : "not ready"}, {"checks", checks}});
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
  if (access) *access = api.access_table();
  return router;
}

}  // namespace churnwatch::http
