// Sign-in, tokens, the role matrix on every route, and agreement between the
// router and the OpenAPI document.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "http/api_harness.hpp"
#include "http/openapi.hpp"

namespace churnwatch {
namespace {

using test_support::ApiHarness;

class ApiAuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { api_ = new ApiHarness(); }
  static void TearDownTestSuite() {
    delete api_;
    api_ = nullptr;
  }
  static ApiHarness* api_;
};
ApiHarness* ApiAuthTest::api_ = nullptr;

std::string base64url(std::string_view in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  int val = 0, bits = -6;
  for (unsigned char c : in) {
    val = (val << 8) + c;
    bits += 8;
    while (bits >= 0) {
      out.push_back(k[(val >> bits) & 0x3F]);
      bits -= 6;
    }
  }
  if (bits > -6) out.push_back(k[((val << 8) >> (bits + 8)) & 0x3F]);
  return out;
}

TEST_F(ApiAuthTest, LoginReturnsBearerTokenAndMeKnowsTheUser) {
  test_support::TestClient c(api_->port());
  auto r = c.request("POST", "/api/v1/auth/login", R"({"username":"viewer-user","password":"password-viewer"})",
                     {{"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = r.json();
  EXPECT_EQ(body["token_type"], "Bearer");
  EXPECT_EQ(body["expires_in"], 900);
  EXPECT_EQ(body["user"]["role"], "viewer");
  EXPECT_FALSE(body["user"].contains("password_hash"));
  auto me = c.request("GET", "/api/v1/auth/me", "", {{"Authorization", "Bearer " + body["access_token"].get<std::string>()}});
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.json()["username"], "viewer-user");
}

TEST_F(ApiAuthTest, WrongPasswordAndUnknownUserGetTheSame401) {
  auto wrong = api_->call("", "POST", "/api/v1/auth/login", R"({"username":"viewer-user","password":"nope-nope-nope"})");
  auto unknown = api_->call("", "POST", "/api/v1/auth/login", R"({"username":"ghost","password":"nope-nope-nope"})");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.json()["detail"], unknown.json()["detail"]);
  EXPECT_EQ(wrong.header("content-type"), "application/problem+json");
}

TEST_F(ApiAuthTest, RefusesMissingTamperedAndForeignTokens) {
  test_support::TestClient c(api_->port());
  auto none = c.request("GET", "/api/v1/customers");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.header("www-authenticate"), "Bearer");

  std::string token = api_->token("admin");
  std::string tampered = token;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(c.request("GET", "/api/v1/auth/me", "", {{"Authorization", "Bearer " + tampered}}).status, 401);

  // The same claims with alg "none" and no signature.
  auto payload = token.substr(token.find('.') + 1);
  payload = payload.substr(0, payload.find('.'));
  std::string unsigned_token = base64url(R"({"alg":"none","typ":"JWT"})") + "." + payload + ".";
  EXPECT_EQ(c.request("GET", "/api/v1/auth/me", "", {{"Authorization", "Bearer " + unsigned_token}}).status, 401);

  // Signed with another secret.
  services::TokenSigner other(std::string(48, 'x'), 900);
  EXPECT_EQ(c.request("GET", "/api/v1/auth/me", "", {{"Authorization", "Bearer " + other.issue(1, "admin-user", "admin")}}).status, 401);

  // Expired.
  services::TokenSigner same_secret_expired(std::string(48, 'k'), -60);
  EXPECT_EQ(c.request("GET", "/api/v1/auth/me", "",
                      {{"Authorization", "Bearer " + same_secret_expired.issue(1, "admin-user", "admin")}})
                .status,
            401);
}

TEST_F(ApiAuthTest, DeactivatedUserLosesAccessAtOnce) {
  auto created = api_->call("admin", "POST", "/api/v1/users",
                            R"({"username":"temp-user","password":"temporary-pass","role":"analyst"})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto token = api_->login("temp-user", "temporary-pass");
  test_support::TestClient c(api_->port());
  EXPECT_EQ(c.request("GET", "/api/v1/auth/me", "", {{"Authorization", "Bearer " + token}}).status, 200);
  auto id = created.json()["id"].get<int>();
  auto off = api_->call("admin", "PATCH", "/api/v1/users/" + std::to_string(id), R"({"active":false})");
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_EQ(c.request("GET", "/api/v1/auth/me", "", {{"Authorization", "Bearer " + token}}).status, 401);
}

TEST_F(ApiAuthTest, TheLastAdminCannotBeDemoted) {
  auto users = api_->call("admin", "GET", "/api/v1/users").json()["items"];
  for (const auto& u : users) {
    if (u["username"] != "admin-user") continue;
    auto r = api_->call("admin", "PATCH", "/api/v1/users/" + std::to_string(u["id"].get<int>()), R"({"role":"viewer"})");
    EXPECT_EQ(r.status, 409) << r.body;
  }
}

TEST_F(ApiAuthTest, UserCreationValidatesInput) {
  auto r = api_->call("admin", "POST", "/api/v1/users", R"({"username":"x","password":"short","role":"boss"})");
  EXPECT_EQ(r.status, 422);
  auto dup = api_->call("admin", "POST", "/api/v1/users", R"({"username":"viewer-user","password":"long-enough-pw"})");
  EXPECT_EQ(dup.status, 409);
}

// Replaces {param} with a value that matches the route but names nothing,
// so no request changes the signed-in users (a reset of user 1, the admin,
// would end the admin's session for the rest of the loop).
std::string concrete(const std::string& pattern) {
  return std::regex_replace(pattern, std::regex("\\{[^}]+\\}"), "999999");
}

int rank(const std::optional<services::AccessLevel>& l) { return l ? static_cast<int>(*l) : -1; }

TEST_F(ApiAuthTest, EveryRouteEnforcesItsRoleForEveryRole) {
  for (const auto& route : api_->access()) {
    if (!route.level) continue;
    SCOPED_TRACE(route.method + " " + route.pattern);
    const std::string target = concrete(route.pattern);
    test_support::TestClient c(api_->port());
    auto anonymous = c.request(route.method, target, "{}", {{"Content-Type", "application/json"}});
    EXPECT_EQ(anonymous.status, 401);
    for (const auto& [role, level] : {std::pair{"viewer", 0}, {"analyst", 1}, {"admin", 2}}) {
      auto r = c.request(route.method, target, "{}",
                         {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + api_->token(role)}});
      if (level < rank(route.level))
        EXPECT_EQ(r.status, 403) << role;
      else
        EXPECT_TRUE(r.status != 401 && r.status != 403) << role << " got " << r.status << " " << r.body;
    }
  }
}

TEST_F(ApiAuthTest, OpenApiDocumentAndRouterAgree) {
  auto doc = nlohmann::json::parse(http::openapi_document());
  EXPECT_EQ(doc["openapi"].get<std::string>().substr(0, 2), "3.");
  std::set<std::string> in_router, in_document;
  for (const auto& route : api_->access()) {
    std::string method = route.method;
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    in_router.insert(method + " " + route.pattern);
    ASSERT_TRUE(doc["paths"].contains(route.pattern)) << route.pattern << " is not documented";
    const auto& op = doc["paths"][route.pattern][method];
    ASSERT_TRUE(op.is_object()) << route.method << " " << route.pattern << " is not documented";
    const std::string role = route.level ? std::string(services::to_string(*route.level)) : "public";
    EXPECT_EQ(op.value("x-required-role", ""), role) << route.method << " " << route.pattern;
  }
  for (const auto& [path, ops] : doc["paths"].items())
    for (const auto& [method, op] : ops.items()) in_document.insert(method + " " + path);
  EXPECT_EQ(in_router, in_document);
  // The served document is the compiled one.
  auto served = api_->call("", "GET", "/api/v1/openapi.json");
  ASSERT_EQ(served.status, 200);
  EXPECT_EQ(served.json(), doc);
}

}  // namespace
}  // namespace churnwatch
