// The API's defences seen from a client: per-address and per-user rate limits
// (429 + Retry-After), the stricter sign-in limit, the sign-in lockout,
// X-Forwarded-For believed only from trusted proxies, refresh-token sessions
// (rotation, reuse detection, cookies and their Origin check, revocation) and
// the audit log.
#include <gtest/gtest.h>

#include "http/api/security.hpp"
#include "http/api_harness.hpp"

namespace churnwatch {
namespace {

using test_support::ApiHarness;
using test_support::Headers;
using test_support::TestClient;
using test_support::TestResponse;

http::SecurityOptions test_limits() {
  http::SecurityOptions o;
  o.requests_per_minute_per_ip = 30;
  o.requests_per_minute_per_user = 20;
  o.logins_per_minute_per_ip = 10;
  o.trusted_proxies = {"127.0.0.1"};  // the tests' own peer, so X-Forwarded-For picks the address
  o.allowed_origins = {"https://app.example"};
  o.public_origins = {"http://churnwatch.test:8080"};  // CHURNWATCH_PUBLIC_URL
  return o;
}

class ApiSecurityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    limiter_ = new services::InProcessRateLimiter();
    api_ = new ApiHarness([](http::ApiContext &ctx, http::ServerOptions &) {
      audit_ = new services::Audit(ctx.store);
      security_ = new http::ApiSecurity(test_limits(), *limiter_, audit_);
      ctx.security = security_;
    });
  }
  static void TearDownTestSuite() {
    delete api_;
    delete security_;
    delete audit_;
    delete limiter_;
  }

  static TestResponse from(const std::string &address, std::string_view method, std::string_view target,
                           std::string_view body = {}, const std::string &token = {}) {
    TestClient c(api_->port());
    Headers h{{"X-Forwarded-For", address}};
    if (!body.empty()) h.emplace_back("Content-Type", "application/json");
    if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
    return c.request(method, target, body, h);
  }
  static TestResponse login(const std::string &address, const std::string &user,
                            const std::string &password) {
    return from(address, "POST", "/api/v1/auth/login",
                nlohmann::json{{"username", user}, {"password", password}}.dump());
  }

  static services::InProcessRateLimiter *limiter_;
  static services::Audit *audit_;
  static http::ApiSecurity *security_;
  static ApiHarness *api_;
};
services::InProcessRateLimiter *ApiSecurityTest::limiter_ = nullptr;
services::Audit *ApiSecurityTest::audit_ = nullptr;
http::ApiSecurity *ApiSecurityTest::security_ = nullptr;
ApiHarness *ApiSecurityTest::api_ = nullptr;

TEST_F(ApiSecurityTest, AnAddressOverItsLimitGets429WithRetryAfter) {
  for (int i = 0; i < 30; ++i) ASSERT_EQ(from("203.0.113.7", "GET", "/api/v1/openapi.json").status, 200) << i;
  auto refused = from("203.0.113.7", "GET", "/api/v1/openapi.json");
  EXPECT_EQ(refused.status, 429);
  EXPECT_GE(std::stoi(refused.header("retry-after")), 1);
  EXPECT_LE(std::stoi(refused.header("retry-after")),
            2);  // 30/min: one every 2 s
  EXPECT_EQ(refused.header("content-type"), "application/problem+json");
  EXPECT_EQ(refused.json()["type"], "/problems/rate-limited");
  // Other addresses and the health probes are unaffected.
  EXPECT_EQ(from("203.0.113.8", "GET", "/api/v1/openapi.json").status, 200);
  EXPECT_EQ(from("203.0.113.7", "GET", "/healthz").status, 200);
}

TEST_F(ApiSecurityTest, AUserOverItsLimitGets429FromAnyAddress) {
  api_->accounts().create_user("busy-user", "busy-password", "viewer");
  auto token = login("198.51.100.1", "busy-user", "busy-password").json()["access_token"].get<std::string>();
  for (int i = 0; i < 20; ++i)
    ASSERT_EQ(from("198.51.100." + std::to_string(10 + i), "GET", "/api/v1/auth/me", {}, token).status, 200)
        << i;
  auto refused = from("198.51.100.99", "GET", "/api/v1/auth/me", {}, token);
  EXPECT_EQ(refused.status, 429);
  EXPECT_GE(std::stoi(refused.header("retry-after")), 1);
  EXPECT_LE(std::stoi(refused.header("retry-after")), 3);  // 20/min
  EXPECT_EQ(from("198.51.100.99", "GET", "/api/v1/auth/me", {}, api_->token("viewer")).status, 200);
}

TEST_F(ApiSecurityTest, BruteForceSlowsThatAccountFromThatAddressEvenForTheRightPassword) {
  api_->accounts().create_user("target-user", "right-password", "analyst");
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(login("192.0.2.1", "target-user", "wrong-guess-" + std::to_string(i)).status, 401) << i;
  auto locked = login("192.0.2.1", "target-user", "right-password");
  EXPECT_EQ(locked.status, 429);
  EXPECT_GE(std::stoi(locked.header("retry-after")), 59);
  EXPECT_LE(std::stoi(locked.header("retry-after")), 60);
  // The delay is on that account from that address: the guesser cannot lock
  // the user out from elsewhere...
  EXPECT_EQ(login("192.0.2.2", "target-user", "right-password").status, 200);
  // ...and the address may still sign in other users.
  EXPECT_EQ(login("192.0.2.1", "viewer-user", "password-viewer").status, 200);
}

TEST_F(ApiSecurityTest, SignInHasAStricterLimitPerAddress) {
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(login("192.0.2.50", "ghost-" + std::to_string(i), "whatever-pw").status, 401) << i;
  auto refused = login("192.0.2.50", "analyst-user", "password-analyst");
  EXPECT_EQ(refused.status, 429);
  EXPECT_GE(std::stoi(refused.header("retry-after")), 1);
  EXPECT_LE(std::stoi(refused.header("retry-after")), 6);  // 10/min
  EXPECT_EQ(login("192.0.2.51", "analyst-user", "password-analyst").status, 200);
}

// --- sessions: refresh tokens, cookies, sign-out ---------------------------

std::string cookie_token(const TestResponse &r) {
  const auto c = r.header("set-cookie");
  const std::string prefix = "churnwatch_refresh=";
  if (c.rfind(prefix, 0) != 0) return "";
  return c.substr(prefix.size(), c.find(';') - prefix.size());
}

TEST_F(ApiSecurityTest, RefreshRotatesAndAReusedTokenRevokesTheWholeSignIn) {
  // Its own user: a replay ends every session of the user, the suite's included.
  api_->accounts().create_user("rotating-user", "rotating-password", "viewer");
  auto signed_in = login("192.0.2.60", "rotating-user", "rotating-password").json();
  const std::string r1 = signed_in["refresh_token"];
  EXPECT_EQ(r1.size(), 64u);
  EXPECT_EQ(signed_in["refresh_expires_in"], 7 * 24 * 3600);

  auto rotated =
      from("192.0.2.60", "POST", "/api/v1/auth/refresh", nlohmann::json{{"refresh_token", r1}}.dump());
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const std::string r2 = rotated.json()["refresh_token"];
  EXPECT_NE(r2, r1);
  EXPECT_TRUE(rotated.header("set-cookie").empty());  // body in, body out
  EXPECT_EQ(from("192.0.2.60", "GET", "/api/v1/auth/me", {}, rotated.json()["access_token"]).status, 200);

  // r1 again: stolen or replayed. Refused, and r2 dies with it.
  auto replay =
      from("192.0.2.60", "POST", "/api/v1/auth/refresh", nlohmann::json{{"refresh_token", r1}}.dump());
  EXPECT_EQ(replay.status, 401);
  EXPECT_EQ(
      from("192.0.2.60", "POST", "/api/v1/auth/refresh", nlohmann::json{{"refresh_token", r2}}.dump()).status,
      401);
  // So do the access tokens it may have bought.
  EXPECT_EQ(from("192.0.2.60", "GET", "/api/v1/auth/me", {}, rotated.json()["access_token"]).status, 401);
  EXPECT_EQ(from("192.0.2.60", "POST", "/api/v1/auth/refresh", R"({"refresh_token":"not-a-token"})").status,
            401);
}

TEST_F(ApiSecurityTest, LogoutEndsTheSignInOnly) {
  // Its own user: a sign-out also ends the user's access tokens, the suite's included.
  api_->accounts().create_user("two-devices", "two-devices-pw", "viewer");
  const std::string a = login("192.0.2.61", "two-devices", "two-devices-pw").json()["refresh_token"];
  const std::string b = login("192.0.2.61", "two-devices", "two-devices-pw").json()["refresh_token"];
  auto out = from("192.0.2.61", "POST", "/api/v1/auth/logout", nlohmann::json{{"refresh_token", a}}.dump());
  EXPECT_EQ(out.status, 204);
  EXPECT_NE(out.header("set-cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(
      from("192.0.2.61", "POST", "/api/v1/auth/refresh", nlohmann::json{{"refresh_token", a}}.dump()).status,
      401);
  EXPECT_EQ(
      from("192.0.2.61", "POST", "/api/v1/auth/refresh", nlohmann::json{{"refresh_token", b}}.dump()).status,
      200);
}

TEST_F(ApiSecurityTest, TheRefreshCookieWorksOnlyFromAnAllowedOrigin) {
  auto signed_in = login("192.0.2.62", "viewer-user", "password-viewer");
  const auto cookie = signed_in.header("set-cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(cookie.find("Path=/api/v1/auth"), std::string::npos);
  EXPECT_EQ(cookie.find("Secure"), std::string::npos);  // plain HTTP here
  const auto token = cookie_token(signed_in);
  ASSERT_EQ(token, signed_in.json()["refresh_token"]);

  auto with = [&](Headers extra) {
    TestClient c(api_->port());
    extra.emplace_back("X-Forwarded-For", "192.0.2.62");
    extra.emplace_back("Cookie", "theme=dark; churnwatch_refresh=" + token);
    return c.request("POST", "/api/v1/auth/refresh", "", extra);
  };
  EXPECT_EQ(with({}).status, 403);
  EXPECT_EQ(with({{"Origin", "https://evil.example"}}).status, 403);
  auto same_site = with({{"Origin", "https://app.example"}});
  ASSERT_EQ(same_site.status, 200) << same_site.body;
  const auto next = cookie_token(same_site);
  EXPECT_EQ(next, same_site.json()["refresh_token"]);
  EXPECT_NE(next, token);
  // The server's own origin (CHURNWATCH_PUBLIC_URL) is always allowed.
  TestClient c(api_->port());
  auto own = c.request("POST", "/api/v1/auth/refresh", "",
                       {{"Host", "churnwatch.test:8080"},
                        {"Origin", "http://churnwatch.test:8080"},
                        {"X-Forwarded-For", "192.0.2.62"},
                        {"Cookie", "churnwatch_refresh=" + next}});
  EXPECT_EQ(own.status, 200) << own.body;
}

TEST_F(ApiSecurityTest, DeactivationAndPasswordChangesRevokeRefreshTokens) {
  auto u = api_->accounts().create_user("leaver", "leaver-password", "viewer");
  std::string r = login("192.0.2.63", "leaver", "leaver-password").json()["refresh_token"];
  auto off = from("192.0.2.63", "PATCH", "/api/v1/users/" + std::to_string(u.id), R"({"active":false})",
                  api_->token("admin"));
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_EQ(
      from("192.0.2.63", "POST", "/api/v1/auth/refresh", nlohmann::json{{"refresh_token", r}}.dump()).status,
      401);

  auto v = api_->accounts().create_user("changer", "changer-password", "viewer");
  auto signed_in = login("192.0.2.64", "changer", "changer-password").json();
  r = signed_in["refresh_token"];
  const std::string access = signed_in["access_token"];
  auto wrong = from("192.0.2.64", "POST", "/api/v1/auth/password",
                    R"({"current_password":"not-the-password","new_password":"brand-new-password"})", access);
  EXPECT_EQ(wrong.status, 403);
  auto changed =
      from("192.0.2.64", "POST", "/api/v1/auth/password",
           R"({"current_password":"changer-password","new_password":"brand-new-password"})", access);
  EXPECT_EQ(changed.status, 204) << changed.body;
  EXPECT_EQ(
      from("192.0.2.64", "POST", "/api/v1/auth/refresh", nlohmann::json{{"refresh_token", r}}.dump()).status,
      401);
  EXPECT_EQ(login("192.0.2.64", "changer", "brand-new-password").status, 200);
  EXPECT_EQ(v.username, "changer");
}

TEST_F(ApiSecurityTest, AdminResetsAPasswordAndSeesItOnce) {
  auto u = api_->accounts().create_user("forgetful", "forgotten-password", "analyst");
  const std::string r = login("192.0.2.65", "forgetful", "forgotten-password").json()["refresh_token"];
  const std::string target = "/api/v1/users/" + std::to_string(u.id) + "/reset-password";
  EXPECT_EQ(from("192.0.2.65", "POST", target, "", api_->token("analyst")).status, 403);
  auto reset = from("192.0.2.65", "POST", target, "", api_->token("admin"));
  ASSERT_EQ(reset.status, 200) << reset.body;
  const std::string password = reset.json()["password"];
  EXPECT_GE(password.size(), 10u);
  EXPECT_EQ(
      from("192.0.2.65", "POST", "/api/v1/auth/refresh", nlohmann::json{{"refresh_token", r}}.dump()).status,
      401);
  EXPECT_EQ(login("192.0.2.65", "forgetful", "forgotten-password").status, 401);
  EXPECT_EQ(login("192.0.2.65", "forgetful", password).status, 200);
  EXPECT_FALSE(
      api_->call("admin", "GET", "/api/v1/users/" + std::to_string(u.id)).json().contains("password"));
}

// --- audit log
// ----------------------------------------------------------------

TEST_F(ApiSecurityTest, TheAuditLogRecordsSignInsAndChanges) {
  EXPECT_EQ(login("192.0.2.70", "mallory", "guess-guess-guess").status, 401);
  EXPECT_EQ(login("192.0.2.71", "analyst-user", "password-analyst").status, 200);
  auto created = from("192.0.2.72", "POST", "/api/v1/users",
                      R"({"username":"audited-user","password":"audited-password"})", api_->token("admin"));
  ASSERT_EQ(created.status, 201);

  auto audit = [&](const std::string &query) {
    auto r = from("192.0.2.73", "GET", "/api/v1/audit" + query, {}, api_->token("admin"));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
  };
  auto failed = audit("?action=auth.login_failed&actor=mallory");
  ASSERT_EQ(failed["total"], 1);
  EXPECT_EQ(failed["items"][0]["address"], "192.0.2.70");
  EXPECT_TRUE(failed["items"][0]["actor_id"].is_null());

  auto signed_in = audit("?action=auth.login&actor=analyst-user");
  ASSERT_GE(signed_in["total"].get<int>(), 1);
  EXPECT_EQ(signed_in["items"][0]["address"], "192.0.2.71");

  auto users = audit("?action=users.");
  ASSERT_GE(users["total"].get<int>(), 1);
  bool found = false;
  for (const auto &e : users["items"])
    found =
        found || (e["action"] == "users.post" && e["actor"] == "admin-user" && e["address"] == "192.0.2.72");
  EXPECT_TRUE(found) << users.dump();

  auto page = audit("?limit=2&offset=1&since=2000-01-01");
  EXPECT_EQ(page["items"].size(), 2u);
  EXPECT_GE(page["total"].get<int>(), 4);
  EXPECT_EQ(audit("?until=2000-01-01")["total"], 0);

  EXPECT_EQ(from("192.0.2.73", "GET", "/api/v1/audit", {}, api_->token("viewer")).status, 403);
  EXPECT_EQ(
      from("192.0.2.73", "GET", "/api/v1/audit?since=yesterday&limit=0", {}, api_->token("admin")).status,
      422);
}

TEST(ClientAddressTest, ForwardedForIsBelievedOnlyFromTrustedProxies) {
  http::Request req;
  req.remote_ip = "10.1.2.3";
  req.headers["x-forwarded-for"] = "1.1.1.1, 203.0.113.5, 10.0.0.9";
  EXPECT_EQ(http::client_address(req, {}), "10.1.2.3");
  EXPECT_EQ(http::client_address(req, {"192.168.0.1"}), "10.1.2.3");
  // The peer and the next hop are our proxies: the first untrusted hop from the
  // right is the client.
  EXPECT_EQ(http::client_address(req, {"10.0.0.0/8"}), "203.0.113.5");
  // A client cannot hide behind a forged left-most entry.
  req.headers["x-forwarded-for"] = "not-an-ip, 203.0.113.5";
  EXPECT_EQ(http::client_address(req, {"10.0.0.0/8"}), "203.0.113.5");
  req.headers["x-forwarded-for"] = "203.0.113.5, garbage";
  EXPECT_EQ(http::client_address(req, {"10.0.0.0/8"}), "10.1.2.3");
  req.remote_ip = "::ffff:10.1.2.3";
  req.headers["x-forwarded-for"] = "2001:db8::1";
  EXPECT_EQ(http::client_address(req, {"10.0.0.0/8"}), "2001:db8::1");
}

TEST(AuditActionTest, NamesAChangeByItsPathAndMethod) {
  EXPECT_EQ(http::audit_action("DELETE", "/api/v1/customers/{id}"), "customers.delete");
  EXPECT_EQ(http::audit_action("POST", "/api/v1/customers/import"), "customers.import.post");
  EXPECT_EQ(http::audit_action("POST", "/api/v1/models/{version}/promote"), "models.promote.post");
  EXPECT_EQ(http::audit_action("PUT", "/api/v1/schema"), "schema.put");
}

TEST(ClientAddressTest, ParsesAndValidatesTheProxyList) {
  EXPECT_EQ(http::parse_address_list(" 10.0.0.0/8, ::1 ,,192.168.1.1"),
            (std::vector<std::string>{"10.0.0.0/8", "::1", "192.168.1.1"}));
  EXPECT_THROW(http::parse_address_list("10.0.0.0/33"), core::Invalid);
  EXPECT_THROW(http::parse_address_list("proxy.local"), core::Invalid);
}

}  // namespace
}  // namespace churnwatch
