// The API's defences that sit in front of the handlers: which address a
// request comes from (X-Forwarded-For only from trusted proxies), per-address
// and per-user rate limits, the stricter sign-in limit and the sign-in
// lockout. Built once at start-up; a null ApiContext::security turns them off
// (unit tests of other routes).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"
#include "services/audit.hpp"
#include "services/login_guard.hpp"
#include "services/rate_limiter.hpp"

namespace churnwatch::http {

struct SecurityOptions {
  int requests_per_minute_per_user = 600;  // CHURNWATCH_RATE_LIMIT; 0: unlimited
  int requests_per_minute_per_ip = 1200;   // CHURNWATCH_RATE_LIMIT_IP; 0: unlimited
  int logins_per_minute_per_ip = 10;       // CHURNWATCH_LOGIN_RATE_LIMIT; 0: unlimited
  // CHURNWATCH_TRUSTED_PROXIES: addresses or CIDR blocks whose X-Forwarded-For
  // is believed.
  std::vector<std::string> trusted_proxies;
  services::LockoutOptions lockout;
  // The server's own origins, as a browser sends them in Origin: that of
  // CHURNWATCH_PUBLIC_URL, or of the listen address (see own_origins()).
  // Never taken from the request's Host, which the client chooses.
  std::vector<std::string> public_origins;
  // Origins besides the server's own that may use the refresh cookie
  // (normally the CORS origins).
  std::vector<std::string> allowed_origins;
  // Mark cookies Secure (the server speaks TLS, or sits behind a TLS proxy).
  bool secure_cookies = false;
};

// Parses a comma-separated list ("10.0.0.0/8, ::1"); throws Invalid naming a
// bad entry.
std::vector<std::string> parse_address_list(std::string_view text);

// Whether `address` is one of `list` (addresses or CIDR blocks, as
// parse_address_list returns them).
bool is_listed_address(std::string_view address, const std::vector<std::string>& list);

// The client address of `req`: the peer, or, when the peer is a trusted
// proxy, the right-most X-Forwarded-For entry that is not itself trusted.
std::string client_address(const Request &req, const std::vector<std::string> &trusted_proxies);

// The origins a browser shows for this server: scheme://host[:port] of
// `public_url` (lower-cased, default port left out) when it is set, else of
// the listen address (and http(s)://localhost:<port> beside a loopback
// one). Throws Invalid naming CHURNWATCH_PUBLIC_URL when it is not an
// http(s) URL.
std::vector<std::string> own_origins(std::string_view public_url, std::string_view listen_host,
                                     unsigned short port, bool tls);

// Forbidden unless the request's Origin is one of `allowed` (the server's
// own origins and the configured ones): what keeps a cookie-authenticated
// request from being forged by another site.
void require_same_origin(const Request &req, const std::vector<std::string> &allowed);

class ApiSecurity {
 public:
  // With `audit`, sign-ins and every successful change through the API are
  // recorded. `lockout_counters`: where sign-in failures are counted (Redis
  // in a fleet); null: in this process.
  ApiSecurity(SecurityOptions options, services::RateLimiter& limiter, services::Audit* audit = nullptr,
              std::shared_ptr<services::LockoutCounters> lockout_counters = nullptr);

  std::string client_address(const Request &req) const;
  // Each throws core::RateLimited (429 with Retry-After) when over the limit.
  void limit_address(const Request &req);
  void limit_user(std::int64_t user_id);
  // The sign-in route's own, stricter per-address bucket, then the lockout
  // (services/login_guard.hpp). The password change's check of the current
  // password goes through the same three calls.
  void before_login(const Request &req, std::string_view username);
  void login_failed(const Request &req, std::string_view username);
  void login_succeeded(const Request& req, std::string_view username);
  // Admins: see services::LoginGuard::clear.
  int clear_lockout(const std::optional<std::string>& username, const std::optional<std::string>& address);

  void require_same_origin(const Request& req) const;

  // Records an audit entry for `req` (the signed-in user, or `actor_name`
  // when nobody is, and the client address). No-op without an Audit.
  void audit(const Request &req, std::string_view action, std::string_view target = {},
             nlohmann::json details = nlohmann::json::object(), std::string_view actor_name = {});

  const SecurityOptions &options() const { return options_; }

 private:
  SecurityOptions options_;
  services::RateLimiter &limiter_;
  services::LoginGuard guard_;
  services::Audit *audit_;
};

// The audit action of a successful change through `method` on `pattern`:
// the path's literal segments after /api/v1/ and the method, dot-joined and
// lower-case ("DELETE /api/v1/customers/{id}" -> "customers.delete").
std::string audit_action(std::string_view method, std::string_view pattern);

}  // namespace churnwatch::http
