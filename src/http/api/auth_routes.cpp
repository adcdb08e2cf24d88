// /api/v1/auth/* and /api/v1/users*: sign-in and user management.
#include "core/errors.hpp"
#include "http/api/api_router.hpp"
#include "http/api/context.hpp"
#include "http/api/json_io.hpp"
#include "http/api/routes.hpp"

namespace churnwatch::http {
namespace {

using services::AccessLevel;

std::string required_string(const nlohmann::json& body, const char* key) {
  if (!body.is_object() || !body.contains(key) || !body[key].is_string())
    throw core::Invalid("missing field '" + std::string(key) + "'", {{key, "required string"}});
  return body[key].get<std::string>();
}

std::int64_t user_id_param(const Request& req) {
  const auto& s = req.param("id");
  try {
    std::size_t used = 0;
    auto id = std::stoll(s, &used);
    if (used == s.size() && id > 0) return id;
  } catch (const std::exception&) {
  }
  throw core::NotFound("no user with id '" + s + "'");
}

}  // namespace

void add_auth_routes(ApiRouter& api, ApiContext& ctx) {
  api.public_route("POST", "/api/v1/auth/login", [&ctx](Request& req) {
    auto body = parse_json_body(req);
    auto result = ctx.accounts.login(required_string(body, "username"), required_string(body, "password"));
    return json_response(200, {{"access_token", result.access_token},
                               {"token_type", "Bearer"},
                               {"expires_in", result.expires_in},
                               {"user", services::user_to_json(result.user)}});
  });

  api.route("GET", "/api/v1/auth/me", AccessLevel::kViewer, [&ctx](Request& req) {
    return json_response(200, services::user_to_json(ctx.accounts.get_user(req.user_id)));
  });

  api.route("GET", "/api/v1/users", AccessLevel::kAdmin, [&ctx](Request&) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& u : ctx.accounts.list_users()) items.push_back(services::user_to_json(u));
    return json_response(200, {{"items", items}, {"total", items.size()}});
  });

  api.route("POST", "/api/v1/users", AccessLevel::kAdmin, [&ctx](Request& req) {
    auto body = parse_json_body(req);
    auto u = ctx.accounts.create_user(required_string(body, "username"), required_string(body, "password"),
                                      body.value("role", std::string("viewer")));
    auto r = json_response(201, services::user_to_json(u));
    r.set_header("Location", "/api/v1/users/" + std::to_string(u.id));
    return r;
  });

  api.route("GET", "/api/v1/users/{id}", AccessLevel::kAdmin, [&ctx](Request& req) {
    return json_response(200, services::user_to_json(ctx.accounts.get_user(user_id_param(req))));
  });

  api.route("PATCH", "/api/v1/users/{id}", AccessLevel::kAdmin, [&ctx](Request& req) {
    auto body = parse_json_body(req);
    if (!body.is_object()) throw core::Invalid("the body must be a JSON object");
    services::UserChange change;
    if (body.contains("role")) change.role = required_string(body, "role");
    if (body.contains("password")) change.password = required_string(body, "password");
    if (body.contains("active")) {
      if (!body["active"].is_boolean()) throw core::Invalid("invalid change", {{"active", "must be true or false"}});
      change.active = body["active"].get<bool>();
    }
    return json_response(200, services::user_to_json(ctx.accounts.update_user(user_id_param(req), change)));
  });
}

}  // namespace churnwatch::http
