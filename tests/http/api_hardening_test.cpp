// Hostile input and cross-origin callers: body and JSON limits, SQL
// metacharacters stored and matched literally, CORS closed by default and
// open only to configured origins.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "http/api_harness.hpp"
#include "http/cors.hpp"

namespace churnwatch {
namespace {

using nlohmann::json;
using test_support::ApiHarness;
using test_support::TestClient;

constexpr const char *kAllowedOrigin = "https://app.example";

std::string encode(std::string_view s) {
  static const char *kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

class ApiHardeningTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    api_ = new ApiHarness([](http::ApiContext &, http::ServerOptions &o) {
      o.max_body_bytes = 1 << 20;
      o.cors_origins = {kAllowedOrigin};
    });
    closed_ = new ApiHarness();
    auto r = api_->import_fixture("bank_sample.csv");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  static void TearDownTestSuite() {
    delete api_;
    delete closed_;
  }
  static ApiHarness *api_;
  static ApiHarness *closed_;
};
ApiHarness *ApiHardeningTest::api_ = nullptr;
ApiHarness *ApiHardeningTest::closed_ = nullptr;

TEST_F(ApiHardeningTest, OversizedBodiesAre413) {
  auto r = api_->call("analyst", "POST", "/api/v1/customers", std::string((1 << 20) + 10, ' '));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.header("content-type"), "application/problem+json");
}

TEST_F(ApiHardeningTest, DeepLongAndWideJsonIsRefusedWithAReason) {
  std::string deep(40, '[');
  deep += std::string(40, ']');
  auto r = api_->call("analyst", "POST", "/api/v1/customers", deep);
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.json()["detail"].get<std::string>().find("nested deeper"), std::string::npos);

  json attrs = api_->call("viewer", "GET", "/api/v1/customers?limit=1").json()["items"][0]["attributes"];
  attrs["CustomerId"] = 77777777;
  attrs["Surname"] = std::string(70 * 1024, 'x');
  r = api_->call("analyst", "POST", "/api/v1/customers", json{{"attributes", attrs}}.dump());
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.json()["detail"].get<std::string>().find("longer than 65536 bytes"), std::string::npos);

  json wide = json::object();
  for (int i = 0; i < 1001; ++i) wide["a" + std::to_string(i)] = i;
  r = api_->call("analyst", "POST", "/api/v1/customers", json{{"attributes", wide}}.dump());
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.json()["detail"].get<std::string>().find("more than 1000 members"), std::string::npos);
  EXPECT_EQ(api_->call("viewer", "GET", "/api/v1/customers/77777777").status, 404);
}

// Found by fuzz/json_body_fuzz.cpp: a number beyond a double (1e400) made
// the JSON parser throw out_of_range, which surfaced as a 500; an integer
// above INT64_MAX was silently stored as a negative number.
TEST_F(ApiHardeningTest, OutOfRangeNumbersAreRefusedWithAReason) {
  json attrs = api_->call("viewer", "GET", "/api/v1/customers?limit=1").json()["items"][0]["attributes"];
  attrs["CustomerId"] = 88888888;
  attrs["Balance"] = 1.5;
  std::string huge_double = json{{"attributes", attrs}}.dump();
  const auto at = huge_double.find("\"Balance\":1.5");
  ASSERT_NE(at, std::string::npos) << huge_double;
  huge_double.replace(at, 13, "\"Balance\":1e400");
  attrs.erase("Balance");
  auto r = api_->call("analyst", "POST", "/api/v1/customers", huge_double);
  EXPECT_EQ(r.status, 422) << huge_double << " -> " << r.body;
  EXPECT_NE(r.body.find("out of range"), std::string::npos) << r.body;

  attrs["CreditScore"] = std::numeric_limits<std::uint64_t>::max();
  r = api_->call("analyst", "POST", "/api/v1/customers", json{{"attributes", attrs}}.dump());
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_NE(r.body.find("CreditScore"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("out of range"), std::string::npos) << r.body;
  EXPECT_EQ(api_->call("viewer", "GET", "/api/v1/customers/88888888").status, 404);
}

TEST_F(ApiHardeningTest, SqlMetacharactersAreStoredAndMatchedLiterally) {
  const std::string evil = "'; DROP TABLE customers; --";
  json attrs = api_->call("viewer", "GET", "/api/v1/customers?limit=1").json()["items"][0]["attributes"];
  attrs["CustomerId"] = 88888888;
  attrs["Surname"] = evil;
  auto created = api_->call("analyst", "POST", "/api/v1/customers", json{{"attributes", attrs}}.dump());
  ASSERT_EQ(created.status, 201) << created.body;

  auto read = api_->call("viewer", "GET", "/api/v1/customers/88888888");
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(read.json()["attributes"]["Surname"], evil);
  EXPECT_EQ(read.json()["display_name"], evil);

  auto by_filter = api_->call("viewer", "GET", "/api/v1/customers?Surname=" + encode(evil));
  ASSERT_EQ(by_filter.status, 200) << by_filter.body;
  ASSERT_EQ(by_filter.json()["total"], 1);
  EXPECT_EQ(by_filter.json()["items"][0]["id"], "88888888");
  auto quoted = api_->call("viewer", "GET", "/api/v1/customers?Surname=" + encode("O'Brien\" OR 1=1 --"));
  ASSERT_EQ(quoted.status, 200);
  EXPECT_EQ(quoted.json()["total"], 0);
  auto search = api_->call("viewer", "GET", "/api/v1/customers?q=" + encode("'; DROP"));
  EXPECT_EQ(search.json()["total"], 1);
  EXPECT_EQ(api_->call("viewer", "GET", "/api/v1/customers").json()["total"],
            31);  // the table is still there
}

TEST_F(ApiHardeningTest, CorsIsClosedUnlessTheOriginIsConfigured) {
  auto preflight = [](unsigned short port, const std::string &origin) {
    TestClient c(port);
    return c.request("OPTIONS", "/api/v1/customers", "",
                     {{"Origin", origin},
                      {"Access-Control-Request-Method", "POST"},
                      {"Access-Control-Request-Headers", "authorization, content-type"}});
  };
  // No origins configured: no CORS headers for anyone.
  auto closed = preflight(closed_->port(), kAllowedOrigin);
  EXPECT_FALSE(closed.has_header("access-control-allow-origin"));
  TestClient c(closed_->port());
  auto plain =
      c.request("GET", "/api/v1/auth/me", "",
                {{"Origin", kAllowedOrigin}, {"Authorization", "Bearer " + closed_->token("viewer")}});
  EXPECT_EQ(plain.status, 200);
  EXPECT_FALSE(plain.has_header("access-control-allow-origin"));

  // Configured: the allowed origin gets a full preflight answer...
  auto open = preflight(api_->port(), kAllowedOrigin);
  EXPECT_EQ(open.status, 204);
  EXPECT_EQ(open.header("access-control-allow-origin"), kAllowedOrigin);
  EXPECT_NE(open.header("access-control-allow-methods").find("POST"), std::string::npos);
  EXPECT_NE(open.header("access-control-allow-headers").find("Authorization"), std::string::npos);
  EXPECT_EQ(open.header("vary"), "Origin");
  // ...and its actual requests, errors included, carry the header.
  TestClient d(api_->port());
  auto listed = d.request("GET", "/api/v1/customers", "",
                          {{"Origin", kAllowedOrigin}, {"Authorization", "Bearer " + api_->token("viewer")}});
  EXPECT_EQ(listed.header("access-control-allow-origin"), kAllowedOrigin);
  EXPECT_NE(listed.header("access-control-expose-headers").find("Retry-After"), std::string::npos);
  auto refused = d.request("GET", "/api/v1/customers", "", {{"Origin", kAllowedOrigin}});
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.header("access-control-allow-origin"), kAllowedOrigin);
  // Other origins get nothing.
  EXPECT_FALSE(preflight(api_->port(), "https://evil.example").has_header("access-control-allow-origin"));
  auto other =
      d.request("GET", "/api/v1/customers", "",
                {{"Origin", "https://evil.example"}, {"Authorization", "Bearer " + api_->token("viewer")}});
  EXPECT_FALSE(other.has_header("access-control-allow-origin"));
}

TEST(CorsOriginsTest, ParsesAndRefusesMalformedEntries) {
  EXPECT_EQ(http::parse_origin_list(" https://A.example:8443 ,http://localhost:5173"),
            (std::vector<std::string>{"https://a.example:8443", "http://localhost:5173"}));
  EXPECT_THROW(http::parse_origin_list("https://a.example/path"), core::Invalid);
  EXPECT_THROW(http::parse_origin_list("a.example"), core::Invalid);
}

}  // namespace
}  // namespace churnwatch
