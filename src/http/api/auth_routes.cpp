// /api/v1/auth/* and /api/v1/users*: sign-in, sessions and user management.
//
// Sessions: sign-in returns a short-lived access token and a refresh token.
// API clients keep the refresh token and send it in the JSON body of
// /auth/refresh and /auth/logout; browsers get it as an HttpOnly cookie
// limited to /api/v1/auth, and requests that use the cookie must come from
// the server's own origin (or a configured one).
#include "core/errors.hpp"
#include "http/api/api_router.hpp"
#include "http/api/context.hpp"
#include "http/api/json_io.hpp"
#include "http/api/routes.hpp"
#include "http/api/security.hpp"

namespace churnwatch::http {
namespace {

using services::AccessLevel;

constexpr std::string_view kRefreshCookie = "churnwatch_refresh";
constexpr std::string_view kCookiePath = "/api/v1/auth";

std::string required_string(const nlohmann::json &body, const char *key) {
  if (!body.is_object() || !body.contains(key) || !body[key].is_string())
    throw core::Invalid("missing field '" + std::string(key) + "'", {{key, "required string"}});
  return body[key].get<std::string>();
}

std::int64_t user_id_param(const Request &req) {
  const auto &s = req.param("id");
  try {
    std::size_t used = 0;
    auto id = std::stoll(s, &used);
    if (used == s.size() && id > 0) return id;
  } catch (const std::exception &) {
  }
  throw core::NotFound("no user with id '" + s + "'");
}

std::string cookie_value(const Request &req, std::string_view name) {
  std::string_view header = req.header("cookie");
  while (!header.empty()) {
    const auto semi = header.find(';');
    auto pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
  }
  return {};
}

std::string refresh_cookie(const std::string &token, int max_age, bool secure) {
  std::string c = std::string(kRefreshCookie) + "=" + token + "; Path=" + std::string(kCookiePath) +
                  "; Max-Age=" + std::to_string(max_age) + "; HttpOnly; SameSite=Strict";
  if (secure) c += "; Secure";
  return c;
}

bool secure_cookies(const ApiSecurity *security) { return security && security->options().secure_cookies; }

struct PresentedToken {
  std::string token;
  bool from_cookie = false;
};

// The refresh token from the JSON body ({"refresh_token": ...}) or, when the
// request has no body, from the cookie; a cookie needs a same-origin request.
PresentedToken presented_token(const Request &req, const ApiSecurity *security) {
  if (!req.body.empty()) return {required_string(parse_json_body(req), "refresh_token"), false};
  auto token = cookie_value(req, kRefreshCookie);
  if (token.empty()) throw core::Unauthorized("send {\"refresh_token\": ...} as JSON or the session cookie");
  if (security)
    security->require_same_origin(req);
  else
    require_same_origin(req, {});
  return {std::move(token), true};
}

Response session_response(const services::LoginResult &r, bool set_cookie, bool secure) {
  auto res = json_response(200, {{"access_token", r.access_token},
                                 {"token_type", "Bearer"},
                                 {"expires_in", r.expires_in},
                                 {"refresh_token", r.refresh_token},
                                 {"refresh_expires_in", r.refresh_expires_in},
                                 {"user", services::user_to_json(r.user)}});
  if (set_cookie) res.set_header("Set-Cookie", refresh_cookie(r.refresh_token, r.refresh_expires_in, secure));
  return res;
}

void add_session_routes(ApiRouter &api, ApiContext &ctx) {
  ApiSecurity *security = api.security();

  api.public_route("POST", "/api/v1/auth/login", [&ctx, security](Request &req) {
    auto body = parse_json_body(req);
    const auto username = required_string(body, "username");
    const auto password = required_string(body, "password");
    if (security) security->before_login(req, username);
    services::LoginResult result;
    try {
      result = ctx.accounts.login(username, password);
    } catch (const core::Unauthorized &) {
      if (security) {
        security->login_failed(req, username);
        security->audit(req, "auth.login_failed", {}, nlohmann::json::object(), username);
      }
      throw;
    }
    if (security) {
      security->login_succeeded(req, username);
      req.user_id = result.user.id;
      req.username = result.user.username;
      security->audit(req, "auth.login", "user:" + std::to_string(result.user.id));
    }
    return session_response(result, true, secure_cookies(security));
  });

  api.public_route("POST", "/api/v1/auth/refresh", [&ctx, security](Request &req) {
    auto presented = presented_token(req, security);
    services::LoginResult result;
    try {
      result = ctx.accounts.refresh(presented.token);
    } catch (const core::Unauthorized &e) {
      if (security) security->audit(req, "auth.refresh_refused", {}, {{"reason", e.what()}});
      throw;
    }
    return session_response(result, presented.from_cookie, secure_cookies(security));
  });

  api.public_route("POST", "/api/v1/auth/logout", [&ctx, security](Request &req) {
    auto presented = presented_token(req, security);
    ctx.accounts.logout(presented.token);
    if (security) security->audit(req, "auth.logout");
    Response res;
    res.status = 204;
    res.content_type.clear();
    res.set_header("Set-Cookie", refresh_cookie("", 0, secure_cookies(security)));
    return res;
  });

  api.route("GET", "/api/v1/auth/me", AccessLevel::kViewer, [&ctx](Request &req) {
    return json_response(200, services::user_to_json(ctx.accounts.get_user(req.user_id)));
  });

  // The current password is a secret a stolen access token does not reveal:
  // wrong guesses are limited and locked out as sign-ins are.
  api.route("POST", "/api/v1/auth/password", AccessLevel::kViewer, [&ctx, security](Request& req) {
    auto body = parse_json_body(req);
    const auto current = required_string(body, "current_password");
    const auto next = required_string(body, "new_password");
    if (security) security->before_login(req, req.username);
    try {
      ctx.accounts.change_password(req.user_id, current, next);
    } catch (const core::Forbidden&) {
      if (security) {
        security->login_failed(req, req.username);
        security->audit(req, "auth.password_failed");
      }
      throw;
    }
    if (security) security->login_succeeded(req, req.username);
    Response res;
    res.status = 204;
    res.content_type.clear();
    return res;
  });
}

// Admins lift sign-in locks: ?username= (every address of that account),
// ?address= (the address's own lock), or both (that one pair).
void add_lockout_routes(ApiRouter& api) {
  ApiSecurity* security = api.security();
  api.route("DELETE", "/api/v1/auth/lockouts", AccessLevel::kAdmin, [security](Request& req) {
    if (!security) throw core::Unavailable("sign-in lockouts are not enabled on this server");
    auto username = req.query_param("username");
    auto address = req.query_param("address");
    if (username && username->empty()) username.reset();
    if (address && address->empty()) address.reset();
    const int cleared = security->clear_lockout(username, address);
    return json_response(200, {{"cleared", cleared},
                               {"username", username ? nlohmann::json(*username) : nlohmann::json(nullptr)},
                               {"address", address ? nlohmann::json(*address) : nlohmann::json(nullptr)}});
  });
}

void add_user_routes(ApiRouter &api, ApiContext &ctx) {
  api.route("GET", "/api/v1/users", AccessLevel::kAdmin, [&ctx](Request &) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto &u : ctx.accounts.list_users()) items.push_back(services::user_to_json(u));
    return json_response(200, {{"items", items}, {"total", items.size()}});
  });

  api.route("POST", "/api/v1/users", AccessLevel::kAdmin, [&ctx](Request &req) {
    auto body = parse_json_body(req);
    auto u = ctx.accounts.create_user(required_string(body, "username"), required_string(body, "password"),
                                      body.contains("role") ? required_string(body, "role") : "viewer");
    auto r = json_response(201, services::user_to_json(u));
    r.set_header("Location", "/api/v1/users/" + std::to_string(u.id));
    return r;
  });

  api.route("GET", "/api/v1/users/{id}", AccessLevel::kAdmin, [&ctx](Request &req) {
    return json_response(200, services::user_to_json(ctx.accounts.get_user(user_id_param(req))));
  });

  api.route("PATCH", "/api/v1/users/{id}", AccessLevel::kAdmin, [&ctx](Request &req) {
    auto body = parse_json_body(req);
    if (!body.is_object()) throw core::Invalid("the body must be a JSON object");
    services::UserChange change;
    if (body.contains("role")) change.role = required_string(body, "role");
    if (body.contains("password")) change.password = required_string(body, "password");
    if (body.contains("active")) {
      if (!body["active"].is_boolean())
        throw core::Invalid("invalid change", {{"active", "must be true or false"}});
      change.active = body["active"].get<bool>();
    }
    return json_response(200, services::user_to_json(ctx.accounts.update_user(user_id_param(req), change)));
  });

  api.route("POST", "/api/v1/users/{id}/reset-password", AccessLevel::kAdmin, [&ctx](Request &req) {
    const auto id = user_id_param(req);
    auto password = ctx.accounts.reset_password(id);
    return json_response(
        200, {{"user", services::user_to_json(ctx.accounts.get_user(id))}, {"password", password}});
  });
}

}  // namespace

void add_auth_routes(ApiRouter &api, ApiContext &ctx) {
  add_session_routes(api, ctx);
  add_lockout_routes(api);
  add_user_routes(api, ctx);
}

}  // namespace churnwatch::http
