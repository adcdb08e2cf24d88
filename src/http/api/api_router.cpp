#include "http/api/api_router.hpp"

#include "core/errors.hpp"

#include "core/text.hpp"

namespace churnwatch::http {
namespace {

std::string_view bearer_token(const Request& req) {
  std::string_view h = req.header("authorization");
  constexpr std::string_view kPrefix = "Bearer ";
  if (h.size() <= kPrefix.size() || !core::istarts_with(h, kPrefix))
    throw core::Unauthorized("this route needs 'Authorization: Bearer <access token>'");
  return h.substr(kPrefix.size());
}

}  // namespace

void ApiRouter::public_route(std::string method, std::string pattern, Handler handler, BodyLimit body) {
  table_.push_back({method, pattern, std::nullopt});
  Admission admit;
  // Probes (/healthz, /readyz) stay unlimited: an orchestrator must always reach them.
  if (security_ && pattern.rfind("/api/", 0) == 0)
    admit = [security = security_](Request& req) { security->limit_address(req); };
  router_.add(std::move(method), std::move(pattern), std::move(handler), std::move(admit), body);
}

void ApiRouter::route(std::string method, std::string pattern, services::AccessLevel level, Handler handler,
                      BodyLimit body) {
  table_.push_back({method, pattern, level});
  std::string action = audit_action(method, pattern);
  auto admit = [&accounts = accounts_, security = security_, level](Request& req) {
    if (security) security->limit_address(req);
    auto who = accounts.authenticate(bearer_token(req));
    if (security) security->limit_user(who.user_id);
    req.user_id = who.user_id;
    req.username = who.username;
    req.role = std::string(services::to_string(who.level));
    services::require(who, level);
  };
  router_.add(
      std::move(method), std::move(pattern),
      [security = security_, action = std::move(action), handler = std::move(handler)](Request& req) {
        Response res = handler(req);
        if (security && req.method != "GET" && req.method != "HEAD" && res.status < 400)
          security->audit(req, action, req.path, {{"status", res.status}});
        return res;
      },
      std::move(admit), body);
}

services::Principal principal_of(const Request& req) {
  return {req.user_id, req.username, services::parse_access_level(req.role)};
}

}  // namespace churnwatch::http
