// /api/v1/customers*: list, read, create, change, delete, bulk.
#include "core/errors.hpp"
#include "http/api/json_io.hpp"
#include "http/api/routes.hpp"

namespace churnwatch::http {

using services::AccessLevel;

void add_customer_routes(ApiRouter& api, ApiContext& ctx) {
  api.route("GET", "/api/v1/customers", AccessLevel::kViewer, [&ctx](Request& req) {
    auto render = [&] {
      auto schema = ctx.customers.schema();
      auto q = services::parse_customer_query(schema, req.query);
      auto page = ctx.customers.list(q);
      nlohmann::json items = nlohmann::json::array();
      for (const auto& c : page.items) items.push_back(core::customer_to_json(c));
      const nlohmann::json body{
          {"items", std::move(items)}, {"total", page.total}, {"limit", q.limit}, {"offset", q.offset}};
      return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    };
    // Every role sees the same page, so the role is not part of the key.
    if (!ctx.reads) return Response::json(200, render());
    return Response::json(200,
                          ctx.reads->response("customers", services::normalized_query(req.query), render));
  });

  api.route("POST", "/api/v1/customers", AccessLevel::kAnalyst, [&ctx](Request& req) {
    auto body = parse_json_body(req);
    // Accept either {"attributes": {...}} or the attributes object itself.
    const auto& attrs = body.is_object() && body.contains("attributes") ? body["attributes"] : body;
    auto c = ctx.customers.create(attrs);
    auto r = json_response(201, core::customer_to_json(c));
    r.set_header("Location", "/api/v1/customers/" + c.external_id);
    return r;
  });

  // Up to kMaxBulkItems customers: more than the small default body.
  api.route(
      "POST", "/api/v1/customers/bulk", AccessLevel::kAnalyst,
      [&ctx](Request& req) {
        auto result = ctx.customers.bulk(parse_json_body(req));
        return json_response(
            200, {{"created", result.created}, {"updated", result.updated}, {"deleted", result.deleted}});
      },
      BodyLimit{kBulkBodyBytes});

  api.route("GET", "/api/v1/customers/{id}", AccessLevel::kViewer, [&ctx](Request& req) {
    return json_response(200, core::customer_to_json(ctx.customers.get(req.param("id"))));
  });

  api.route("PATCH", "/api/v1/customers/{id}", AccessLevel::kAnalyst, [&ctx](Request& req) {
    auto body = parse_json_body(req);
    const auto& attrs = body.is_object() && body.contains("attributes") ? body["attributes"] : body;
    return json_response(200, core::customer_to_json(ctx.customers.update(req.param("id"), attrs)));
  });

  api.route("DELETE", "/api/v1/customers/{id}", AccessLevel::kAnalyst, [&ctx](Request& req) {
    ctx.customers.remove(req.param("id"));
    Response r;
    r.status = 204;
    r.content_type.clear();
    return r;
  });
}

}  // namespace churnwatch::http
