// Registers API routes together with the least role each one needs, and
// enforces it: a route is either public or checks the bearer token and role
// before its handler runs. The table of (method, pattern, role) is what the
// OpenAPI document's x-required-role must agree with (tests/http).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "http/api/security.hpp"
#include "http/router.hpp"
#include "services/accounts.hpp"

namespace churnwatch::http {

struct RouteAccess {
  std::string method;
  std::string pattern;
  std::optional<services::AccessLevel> level;  // nullopt: public
};

class ApiRouter {
 public:
  // With `security`, every /api/ route is rate limited per client address
  // and every guarded route also per user (after authentication), and every
  // successful change is audited.
  ApiRouter(Router& router, services::Accounts& accounts, ApiSecurity* security = nullptr)
      : router_(router), accounts_(accounts), security_(security) {}

  // `body`: how much body the route reads (the server's small default unless
  // said otherwise). A guarded route's token, user limit and role are
  // checked before a body is read, so only a signed-in user with the role
  // gets a large body read.
  void public_route(std::string method, std::string pattern, Handler handler, BodyLimit body = {});
  void route(std::string method, std::string pattern, services::AccessLevel level, Handler handler,
             BodyLimit body = {});

  const std::vector<RouteAccess>& access_table() const { return table_; }
  ApiSecurity* security() const { return security_; }

 private:
  Router& router_;
  services::Accounts& accounts_;
  ApiSecurity* security_;
  std::vector<RouteAccess> table_;
};

// The signed-in principal of a request that passed an ApiRouter guard.
services::Principal principal_of(const Request& req);

}  // namespace churnwatch::http
