// Issue 14, through a real server: each finding of the hostile review as the
// attacker sent it, and what the server must answer instead. Crashes and
// smuggling (nested schema parts, Transfer-Encoding), 500s from bad input
// (UTF-8, JSON types), formula injection in exports, the cookie Origin
// check, sign-out ending access tokens, the password-change guard, lockouts
// a stranger cannot aim at a user, webhook ports and leftover uploads.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "http/api/security.hpp"
#include "http/api_harness.hpp"
#include "services/redis_rate_limiter.hpp"

namespace churnwatch {
namespace {

using nlohmann::json;
using test_support::ApiHarness;
using test_support::Headers;
using test_support::TestClient;
using test_support::TestResponse;

constexpr const char* kPublicOrigin = "http://churnwatch.test:8080";

http::SecurityOptions abuse_limits() {
  http::SecurityOptions o;
  o.requests_per_minute_per_ip = 0;  // unlimited: only the sign-in limits are under test
  o.requests_per_minute_per_user = 0;
  o.logins_per_minute_per_ip = 60;
  o.trusted_proxies = {"127.0.0.1"};  // the tests' own peer, so X-Forwarded-For picks the address
  o.public_origins = {kPublicOrigin};
  return o;
}

std::string multipart(const std::string& boundary, const std::optional<std::string>& schema,
                      const std::string& csv) {
  std::string body;
  if (schema)
    body +=
        "--" + boundary + "\r\nContent-Disposition: form-data; name=\"schema\"\r\n\r\n" + *schema + "\r\n";
  body += "--" + boundary +
          "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"t.csv\"\r\nContent-Type: "
          "text/csv\r\n\r\n" +
          csv + "\r\n--" + boundary + "--\r\n";
  return body;
}

class ApiAbuseTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    limiter_ = new services::InProcessRateLimiter();
    api_ = new ApiHarness([](http::ApiContext& ctx, http::ServerOptions&) {
      security_ = new http::ApiSecurity(abuse_limits(), *limiter_, nullptr);
      ctx.security = security_;
    });
    auto r = api_->import_fixture("bank_sample.csv");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  static void TearDownTestSuite() {
    delete api_;
    delete security_;
    delete limiter_;
  }

  static TestResponse from(const std::string& address, std::string_view method, std::string_view target,
                           std::string_view body = {}, const std::string& token = {},
                           const std::string& type = "application/json") {
    TestClient c(api_->port());
    Headers h{{"X-Forwarded-For", address}};
    if (!body.empty()) h.emplace_back("Content-Type", type);
    if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
    return c.request(method, target, body, h);
  }
  static TestResponse login(const std::string& address, const std::string& user,
                            const std::string& password) {
    return from(address, "POST", "/api/v1/auth/login",
                json{{"username", user}, {"password", password}}.dump());
  }
  static bool alive() { return api_->call("", "GET", "/healthz").status == 200; }

  static services::InProcessRateLimiter* limiter_;
  static http::ApiSecurity* security_;
  static ApiHarness* api_;
};
services::InProcessRateLimiter* ApiAbuseTest::limiter_ = nullptr;
http::ApiSecurity* ApiAbuseTest::security_ = nullptr;
ApiHarness* ApiAbuseTest::api_ = nullptr;

// --- 1: the nested schema part ---------------------------------------------

TEST_F(ApiAbuseTest, ADeeplyNestedSchemaPartIsRefusedNotACrash) {
  // What the review sent: a valid schema with one more member nested 100,000
  // deep. It validated, and copying it into the job's payload overflowed the
  // stack (a segfault: the server was gone).
  const std::string valid = api_->call("viewer", "GET", "/api/v1/schema").body;
  const std::string deep = valid.substr(0, valid.rfind('}')) + ",\"x\":" + std::string(100000, '[') +
                           std::string(100000, ']') + "}";
  const std::string csv = test_support::fixture_text("bank_sample.csv");
  for (const char* target :
       {"/api/v1/customers/import?async=true&mode=upsert", "/api/v1/customers/import?mode=upsert"}) {
    for (const std::string& schema : {deep, std::string(100000, '[') + std::string(100000, ']')}) {
      auto r = api_->call("analyst", "POST", target, multipart("b0undary", schema, csv),
                          "multipart/form-data; boundary=b0undary");
      EXPECT_EQ(r.status, 422) << target << ": " << r.body.substr(0, 300);
      ASSERT_TRUE(alive()) << target;
      ASSERT_TRUE(r.json().contains("errors")) << r.body;
      EXPECT_EQ(r.json()["errors"][0]["field"], "schema");
      EXPECT_NE(r.json()["detail"].get<std::string>().find("nested deeper than 32"), std::string::npos);
    }
  }
  // Within the limits the same schema is taken.
  auto ok = api_->call("analyst", "POST", "/api/v1/customers/import?async=true&mode=upsert",
                       multipart("b0undary", valid, csv), "multipart/form-data; boundary=b0undary");
  EXPECT_EQ(ok.status, 202) << ok.body;
}

// --- 9: 500s from bad input -------------------------------------------------

TEST_F(ApiAbuseTest, InvalidUtf8InAPathOrQueryIs400) {
  for (const char* target :
       {"/api/v1/customers/%FF", "/api/v1/customers?Surname=%C3%28", "/api/v1/customers/%ED%A0%80"}) {
    auto r = api_->call("viewer", "GET", target);
    EXPECT_EQ(r.status, 400) << target << ": " << r.body;
    EXPECT_EQ(r.header("content-type"), "application/problem+json");
  }
  EXPECT_EQ(api_->call("viewer", "GET", "/api/v1/customers/J%C3%BCrgen").status, 404);  // UTF-8 is fine
  ASSERT_TRUE(alive());
}

TEST_F(ApiAbuseTest, InvalidUtf8InABodyIs4xxWithThePosition) {
  const std::string fixture = test_support::fixture_text("bank_sample.csv");
  const auto first_end = fixture.find('\n') + 1;
  std::string row = fixture.substr(first_end, fixture.find('\n', first_end) + 1 - first_end);
  const auto at = row.find(',') + 1;  // the start of the second cell
  row.insert(at, "\xFF");
  auto r = api_->call("analyst", "POST", "/api/v1/customers/import?mode=upsert",
                      fixture.substr(0, first_end) + row, "text/csv");
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.json()["errors"][0]["line"], 2);
  EXPECT_EQ(r.json()["errors"][0]["column"], static_cast<int>(at) + 1);  // the byte, counted from 1
  EXPECT_NE(r.body.find("UTF-8"), std::string::npos);

  auto j = api_->call("analyst", "POST", "/api/v1/customers", "{\"attributes\":{\"Surname\":\"\xC3\x28\"}}");
  EXPECT_EQ(j.status, 400) << j.body;
  ASSERT_TRUE(alive());
}

TEST_F(ApiAbuseTest, WrongJsonTypesInASchemaAre422NamingTheField) {
  auto schema = api_->call("viewer", "GET", "/api/v1/schema").json();
  auto with = [&](const std::string& key, json value, std::size_t index = 1) {
    auto s = schema;
    s["attributes"][index][key] = value;
    return s.dump();
  };
  std::size_t boolean = 0;
  for (std::size_t i = 0; i < schema["attributes"].size(); ++i)
    if (schema["attributes"][i]["type"] == "boolean") boolean = i;
  ASSERT_GT(boolean, 0u);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {with("type", 5), "attributes[1].type"},
      {with("role", json::array()), "attributes[1].role"},
      {with("true_text", 5, boolean), "attributes[" + std::to_string(boolean) + "].true_text"},
      {with("false_text", false, boolean), "attributes[" + std::to_string(boolean) + "].false_text"},
      {with("categories", "x"), "attributes[1].categories"},
      {[&] {
         auto s = schema;
         s["version"] = "one";
         return s.dump();
       }(),
       "version"},
  };
  for (const auto& [doc, field] : cases) {
    auto put = api_->call("analyst", "PUT", "/api/v1/schema", doc);
    EXPECT_EQ(put.status, 422) << field << ": " << put.body;
    ASSERT_TRUE(put.json().contains("errors")) << put.body;
    EXPECT_EQ(put.json()["errors"][0]["field"], field) << put.body;
    auto part =
        api_->call("analyst", "POST", "/api/v1/customers/import?async=true",
                   multipart("b0undary", doc, "CustomerId\n1\n"), "multipart/form-data; boundary=b0undary");
    EXPECT_EQ(part.status, 422) << field << ": " << part.body;
  }
  // A wrong type in another body: a 422 naming it, never a 500.
  auto role = api_->call("admin", "POST", "/api/v1/users",
                         R"({"username":"typed-user","password":"long-enough-pw","role":5})");
  EXPECT_EQ(role.status, 422) << role.body;
  ASSERT_TRUE(alive());
}

// --- 4 and 10: request framing ---------------------------------------------

TEST_F(ApiAbuseTest, TransferEncodingOtherThanChunkedIs400AndNothingIsSmuggled) {
  for (const std::string te : {"xchunked", "chunked, identity", "identity", "gzip, chunked, x"}) {
    TestClient c(api_->port());
    c.send_raw(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: " +
        te +
        "\r\n\r\n"
        "GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n");
    auto r = c.read_response();
    EXPECT_EQ(r.status, 400) << te << ": " << r.body;
    EXPECT_NE(r.body.find("Transfer-Encoding"), std::string::npos) << r.body;
    // The smuggled request is never answered: the server closes instead.
    EXPECT_TRUE(c.wait_closed(std::chrono::seconds(5))) << te;
    EXPECT_EQ(c.received().find("HTTP/1.1 200"), std::string::npos) << te;
  }
  // Two Transfer-Encoding fields that together are not just "chunked".
  TestClient c(api_->port());
  c.send_raw(
      "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
      "Transfer-Encoding: identity\r\n\r\n0\r\n\r\n");
  EXPECT_EQ(c.read_response().status, 400);
  // Plain chunked still works.
  TestClient ok(api_->port());
  const std::string login = R"({"username":"a","password":"b-c-d"})";
  char size[16];
  std::snprintf(size, sizeof size, "%zx", login.size());
  auto chunked =
      ok.request("POST", "/api/v1/auth/login", std::string(size) + "\r\n" + login + "\r\n0\r\n\r\n",
                 {{"Transfer-Encoding", "chunked"}, {"Content-Type", "application/json"}});
  EXPECT_EQ(chunked.status, 401) << chunked.body;
}

TEST_F(ApiAbuseTest, AnHttp11RequestWithoutHostIs400) {
  TestClient c(api_->port());
  c.send_raw("GET /api/v1/openapi.json HTTP/1.1\r\n\r\n");
  auto r = c.read_response();
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("Host"), std::string::npos) << r.body;
  TestClient twice(api_->port());
  twice.send_raw("GET /api/v1/openapi.json HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
  EXPECT_EQ(twice.read_response().status, 400);
  TestClient old(api_->port());
  old.send_raw("GET /healthz HTTP/1.0\r\n\r\n");  // HTTP/1.0 has no Host requirement
  EXPECT_EQ(old.read_response().status, 200);
}

// --- 3: formula injection in exports ---------------------------------------

TEST(ApiFormulaTest, ExportGuardsHeadersBooleansAndTabOrCrCellsAndRoundTrips) {
  const json schema = {
      {"attributes",
       {{{"name", "CustomerId"}, {"type", "integer"}, {"role", "id"}},
        {{"name", "=HYPERLINK(\"http://evil.example\",\"x\")"}, {"type", "text"}, {"role", "feature"}},
        {{"name", "Flag"},
         {"type", "boolean"},
         {"role", "feature"},
         {"true_text", "=1+1"},
         {"false_text", "@SUM(A1)"}},
        {{"name", "Note"}, {"type", "text"}, {"role", "display"}},
        {{"name", "Amount"}, {"type", "number"}, {"role", "feature"}}}}};
  const std::string csv =
      "CustomerId,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",Flag,Note,Amount\n"
      "1,plain,=1+1,\"\t=cmd|' /C calc'!A0\",-5\n"
      "2,other,@SUM(A1),\"\r=cmd\",3.5\n"
      "3,-not a number,=1+1,'',0\n";
  ApiHarness source;
  auto imported =
      source.call("analyst", "POST", "/api/v1/customers/import", multipart("b0undary", schema.dump(), csv),
                  "multipart/form-data; boundary=b0undary");
  ASSERT_EQ(imported.status, 200) << imported.body;
  // A value that already starts with ' and a formula character.
  json fourth = {{"CustomerId", 4},
                 {"=HYPERLINK(\"http://evil.example\",\"x\")", "'=already"},
                 {"Flag", true},
                 {"Note", "n"},
                 {"Amount", 1}};
  auto created = source.call("analyst", "POST", "/api/v1/customers", json{{"attributes", fourth}}.dump());
  ASSERT_EQ(created.status, 201) << created.body;

  auto exported = source.call("viewer", "GET", "/api/v1/customers/export?format=csv&sort=CustomerId");
  ASSERT_EQ(exported.status, 200) << exported.body;
  const std::string& out = exported.body;
  // The header: the attribute named like a formula is quoted and guarded.
  EXPECT_EQ(out.substr(0, out.find('\n')),
            "CustomerId,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",Flag,Note,Amount");
  EXPECT_NE(out.find(",'=1+1,"), std::string::npos) << out;       // a boolean's true_text
  EXPECT_NE(out.find(",'@SUM(A1),"), std::string::npos) << out;   // ... and false_text
  EXPECT_NE(out.find(",'\t=cmd"), std::string::npos) << out;      // a tab first
  EXPECT_NE(out.find(",\"'\r=cmd\""), std::string::npos) << out;  // a carriage return first
  EXPECT_NE(out.find(",''=already,"), std::string::npos) << out;  // reversible: one more '
  EXPECT_NE(out.find(",'-not a number,"), std::string::npos) << out;
  EXPECT_NE(out.find(",-5"), std::string::npos) << out;  // numbers stay numbers
  EXPECT_EQ(out.find(",=1+1"), std::string::npos) << out;
  EXPECT_EQ(out.find(",@SUM"), std::string::npos) << out;

  // Imported again (into a fresh server, with the same schema), every value is as it was.
  ApiHarness copy;
  auto again = copy.call("analyst", "POST", "/api/v1/customers/import",
                         multipart("b0undary", schema.dump(), out), "multipart/form-data; boundary=b0undary");
  ASSERT_EQ(again.status, 200) << again.body;
  for (const char* id : {"1", "2", "3", "4"}) {
    auto a = source.call("viewer", "GET", std::string("/api/v1/customers/") + id).json();
    auto b = copy.call("viewer", "GET", std::string("/api/v1/customers/") + id).json();
    EXPECT_EQ(a["attributes"], b["attributes"]) << id;
  }
  EXPECT_EQ(copy.call("viewer", "GET", "/api/v1/customers/export?format=csv&sort=CustomerId").body, out);
}

// --- 8: the cookie's Origin check ------------------------------------------

std::string cookie_token(const TestResponse& r) {
  const auto c = r.header("set-cookie");
  const std::string prefix = "churnwatch_refresh=";
  if (c.rfind(prefix, 0) != 0) return "";
  return c.substr(prefix.size(), c.find(';') - prefix.size());
}

TEST_F(ApiAbuseTest, TheCookieOriginIsComparedWithThePublicOriginNeverWithHost) {
  auto signed_in = login("192.0.2.80", "viewer-user", "password-viewer");
  ASSERT_EQ(signed_in.status, 200);
  auto refresh = [&](const std::string& host, const std::string& origin, const std::string& token) {
    TestClient c(api_->port());
    return c.request("POST", "/api/v1/auth/refresh", "",
                     {{"Host", host},
                      {"Origin", origin},
                      {"X-Forwarded-For", "192.0.2.80"},
                      {"Cookie", "churnwatch_refresh=" + token}});
  };
  const auto token = cookie_token(signed_in);
  // What the review sent: Origin and Host both the attacker's.
  auto forged = refresh("evil.example", "http://evil.example", token);
  EXPECT_EQ(forged.status, 403) << forged.body;
  EXPECT_EQ(refresh("evil.example", "https://evil.example", token).status, 403);
  // The configured public origin passes, whatever Host says.
  auto own = refresh("evil.example", kPublicOrigin, token);
  EXPECT_EQ(own.status, 200) << own.body;
}

TEST(OwnOriginsTest, ComeFromThePublicUrlOrTheListenAddress) {
  EXPECT_EQ(http::own_origins("https://Churn.Example.com/app/", "0.0.0.0", 8080, false),
            std::vector<std::string>{"https://churn.example.com"});
  EXPECT_EQ(http::own_origins("https://churn.example.com:443", "0.0.0.0", 8080, false),
            std::vector<std::string>{"https://churn.example.com"});
  EXPECT_EQ(http::own_origins("http://churn.example.com:8000", "0.0.0.0", 8080, false),
            std::vector<std::string>{"http://churn.example.com:8000"});
  EXPECT_EQ(http::own_origins("", "127.0.0.1", 8080, false),
            (std::vector<std::string>{"http://127.0.0.1:8080", "http://localhost:8080"}));
  EXPECT_EQ(http::own_origins("", "10.1.2.3", 443, true), std::vector<std::string>{"https://10.1.2.3"});
  EXPECT_THROW(http::own_origins("churn.example.com", "", 80, false), core::Invalid);
  EXPECT_THROW(http::own_origins("ftp://churn.example.com", "", 80, false), core::Invalid);
}

// --- 5: sign-out ends access tokens ----------------------------------------

TEST_F(ApiAbuseTest, AccessTokensDieAtSignOutPasswordChangeResetAndDeactivation) {
  auto me = [&](const std::string& token) {
    return from("192.0.2.90", "GET", "/api/v1/auth/me", {}, token).status;
  };
  auto u = api_->accounts().create_user("session-user", "session-password", "analyst");
  auto session = [&](const std::string& password) {
    auto r = login("192.0.2.90", "session-user", password);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
  };

  // Sign-out.
  auto a = session("session-password");
  auto b = session("session-password");
  ASSERT_EQ(me(a["access_token"]), 200);
  auto out =
      from("192.0.2.90", "POST", "/api/v1/auth/logout", json{{"refresh_token", a["refresh_token"]}}.dump());
  ASSERT_EQ(out.status, 204);
  EXPECT_EQ(me(a["access_token"]), 401);
  EXPECT_EQ(me(b["access_token"]), 401);  // every access token issued before the sign-out
  // The other sign-in carries on with a new access token from its refresh token.
  auto renewed =
      from("192.0.2.90", "POST", "/api/v1/auth/refresh", json{{"refresh_token", b["refresh_token"]}}.dump());
  ASSERT_EQ(renewed.status, 200) << renewed.body;
  EXPECT_EQ(me(renewed.json()["access_token"]), 200);

  // Password change.
  auto c = session("session-password");
  auto changed =
      from("192.0.2.90", "POST", "/api/v1/auth/password",
           R"({"current_password":"session-password","new_password":"changed-password"})", c["access_token"]);
  ASSERT_EQ(changed.status, 204) << changed.body;
  EXPECT_EQ(me(c["access_token"]), 401);
  EXPECT_EQ(me(renewed.json()["access_token"]), 401);

  // Admin reset.
  auto d = session("changed-password");
  auto reset = from("192.0.2.90", "POST", "/api/v1/users/" + std::to_string(u.id) + "/reset-password", "",
                    api_->token("admin"));
  ASSERT_EQ(reset.status, 200) << reset.body;
  EXPECT_EQ(me(d["access_token"]), 401);

  // Deactivation (and reactivation does not revive old tokens).
  auto e = session(reset.json()["password"]);
  ASSERT_EQ(me(e["access_token"]), 200);
  auto off = from("192.0.2.90", "PATCH", "/api/v1/users/" + std::to_string(u.id), R"({"active":false})",
                  api_->token("admin"));
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_EQ(me(e["access_token"]), 401);
  ASSERT_EQ(from("192.0.2.90", "PATCH", "/api/v1/users/" + std::to_string(u.id), R"({"active":true})",
                 api_->token("admin"))
                .status,
            200);
  EXPECT_EQ(me(e["access_token"]), 401);
  // Other users are untouched.
  EXPECT_EQ(me(api_->token("viewer")), 200);
}

TEST(SessionVersionTest, IsSharedByEveryServerOfTheDatabase) {
  // Two servers on one database: a sign-out on one ends the token on the other.
  ApiHarness one;
  auto store = one.store().find_user("viewer-user");
  ASSERT_TRUE(store);
  services::TokenSigner signer(std::string(48, 'k'), 900);  // the fleet's shared secret
  services::Accounts elsewhere(one.store(), signer);
  const auto token = one.token("viewer");
  EXPECT_NO_THROW(elsewhere.authenticate(token));
  elsewhere.end_sessions(store->id);
  EXPECT_THROW(elsewhere.authenticate(token), core::Unauthorized);
  EXPECT_EQ(one.call("viewer", "GET", "/api/v1/auth/me").status, 401);
}

// --- 6 and 7: the password guard and lockouts ------------------------------

TEST_F(ApiAbuseTest, WrongCurrentPasswordsAreLimitedAndLockedLikeSignIns) {
  api_->accounts().create_user("guessed-user", "guessed-password", "viewer");
  const std::string token = login("192.0.2.100", "guessed-user", "guessed-password").json()["access_token"];
  std::vector<int> statuses;
  for (int i = 0; i < 15; ++i)
    statuses.push_back(
        from("192.0.2.100", "POST", "/api/v1/auth/password",
             json{{"current_password", "guess-" + std::to_string(i)}, {"new_password", "whatever-new-pw"}}
                 .dump(),
             token)
            .status);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(statuses[i], 403) << i;
  for (int i = 5; i < 15; ++i) EXPECT_EQ(statuses[i], 429) << i;
  // Even the right password waits now.
  auto right = from("192.0.2.100", "POST", "/api/v1/auth/password",
                    R"({"current_password":"guessed-password","new_password":"whatever-new-pw"})", token);
  EXPECT_EQ(right.status, 429);
  EXPECT_GE(std::stoi(right.header("retry-after")), 1);
}

TEST_F(ApiAbuseTest, AStrangerCannotLockAUserOutAndAdminsLiftLocks) {
  api_->accounts().create_user("popular-admin", "popular-password", "admin");
  // A stranger guesses from their own address until slowed down...
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(login("198.18.0.1", "popular-admin", "guess-" + std::to_string(i)).status, 401);
  EXPECT_EQ(login("198.18.0.1", "popular-admin", "guess-x").status, 429);
  // ...while the admin, at their own address, signs in as ever.
  auto own = login("198.18.0.2", "popular-admin", "popular-password");
  ASSERT_EQ(own.status, 200) << own.body;
  const std::string admin_token = own.json()["access_token"];

  // Many accounts from one address lock that address for every account.
  for (int i = 0; i < 20; ++i) login("198.18.0.3", "someone-" + std::to_string(i), "nope-nope-nope");
  auto locked = login("198.18.0.3", "viewer-user", "password-viewer");
  EXPECT_EQ(locked.status, 429);
  EXPECT_EQ(login("198.18.0.4", "viewer-user", "password-viewer").status, 200);

  // Admins lift them; others may not.
  EXPECT_EQ(
      from("198.18.0.2", "DELETE", "/api/v1/auth/lockouts?address=198.18.0.3", {}, api_->token("analyst"))
          .status,
      403);
  auto lifted = from("198.18.0.2", "DELETE", "/api/v1/auth/lockouts?address=198.18.0.3", {}, admin_token);
  ASSERT_EQ(lifted.status, 200) << lifted.body;
  EXPECT_EQ(lifted.json()["cleared"], 1);
  EXPECT_EQ(login("198.18.0.3", "viewer-user", "password-viewer").status, 200);
  auto pair = from("198.18.0.2", "DELETE", "/api/v1/auth/lockouts?username=popular-admin", {}, admin_token);
  ASSERT_EQ(pair.status, 200) << pair.body;
  EXPECT_EQ(pair.json()["cleared"], 1);
  EXPECT_EQ(login("198.18.0.1", "popular-admin", "popular-password").status, 200);
  EXPECT_EQ(from("198.18.0.2", "DELETE", "/api/v1/auth/lockouts", {}, admin_token).status, 422);
}

// --- 10: webhooks on Discord's port only, leftover uploads ------------------

TEST_F(ApiAbuseTest, DiscordWebhooksAreAcceptedOnPort443Only) {
  auto rule = [&](const std::string& url) {
    return api_->call(
        "analyst", "POST", "/api/v1/alerts/rules",
        json{{"name", "port " + url}, {"kind", "high_risk"}, {"threshold", 0.7}, {"webhook_url", url}}
            .dump());
  };
  const std::string path = "/api/webhooks/123456789012345678/abcdefghijklmnopqrstuvwxyz";
  for (const char* host :
       {"https://discord.com:8443", "https://discord.com:25", "https://discordapp.com:80"}) {
    auto r = rule(host + path);
    EXPECT_EQ(r.status, 422) << host << ": " << r.body;
  }
  EXPECT_EQ(rule("https://discord.com:443" + path).status, 201);
  EXPECT_EQ(rule("https://discord.com" + path).status, 201);
}

TEST_F(ApiAbuseTest, AnUploadWhoseImportEndedWithoutItsHandlerIsRemoved) {
  // An import job that ended without its handler running to the end (here
  // cancelled while queued; a worker dying on the last attempt ends the same).
  const std::string id = queue::new_job_id();
  const auto upload = api_->dir() / "uploads" / (id + ".csv");
  std::filesystem::create_directories(upload.parent_path());
  std::ofstream(upload) << "CustomerId\n1\n";
  api_->jobs().enqueue("import", {{"mode", "insert"}, {"path", "uploads/" + id + ".csv"}},
                       {.max_attempts = 1,
                        .created_by = "test",
                        .run_after = std::chrono::system_clock::now() + std::chrono::hours(1),
                        .id = id});
  ASSERT_EQ(api_->jobs().cancel(id).state, queue::JobState::kCancelled);
  ASSERT_TRUE(std::filesystem::exists(upload));
  // The next import job sweeps it.
  const std::string csv = test_support::fixture_text("bank_sample.csv");
  auto r = api_->call("analyst", "POST", "/api/v1/customers/import?async=true&mode=upsert", csv, "text/csv");
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string next = r.json()["id"];
  for (int i = 0; i < 500; ++i) {
    auto job = api_->jobs().get(next);
    if (job && (job->state == queue::JobState::kSucceeded || job->state == queue::JobState::kFailed)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(api_->jobs().get(next)->state, queue::JobState::kSucceeded);
  EXPECT_FALSE(std::filesystem::exists(upload));
  EXPECT_FALSE(std::filesystem::exists(api_->dir() / "uploads" / (next + ".csv")));
}

}  // namespace
}  // namespace churnwatch
