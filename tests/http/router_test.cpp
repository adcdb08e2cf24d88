#include "http/router.hpp"

#include <gtest/gtest.h>

#include "http/url.hpp"

namespace churnwatch::http {
namespace {

Handler named(std::string name) {
  return [name](Request&) { return Response::json(200, name); };
}

Router sample_router() {
  Router r;
  r.add("GET", "/api/v1/customers", named("list"));
  r.add("POST", "/api/v1/customers", named("create"));
  r.add("GET", "/api/v1/customers/{id}", named("get"));
  r.add("DELETE", "/api/v1/customers/{id}", named("delete"));
  r.add("GET", "/api/v1/customers/export", named("export"));
  r.add("GET", "/api/v1/customers/{id}/predictions/{pid}", named("prediction"));
  return r;
}

// Matches like the server does (target carries the raw path).
std::string route_of(const Router& router, std::string method, std::string target,
                     Request* out = nullptr) {
  Request req;
  req.method = std::move(method);
  req.target = std::move(target);
  const Route* route = nullptr;
  std::vector<std::string> allowed;
  const auto m = router.match(req, &route, &allowed);
  if (out) *out = req;
  if (m == Router::Match::kNoPath) return "404";
  if (m == Router::Match::kWrongMethod) return "405";
  return route->handler(req).body;
}

TEST(Router, MatchesLiteralAndParameterSegments) {
  const Router r = sample_router();
  Request req;
  EXPECT_EQ(route_of(r, "GET", "/api/v1/customers"), "list");
  EXPECT_EQ(route_of(r, "POST", "/api/v1/customers"), "create");
  EXPECT_EQ(route_of(r, "GET", "/api/v1/customers/42", &req), "get");
  EXPECT_EQ(req.param("id"), "42");
  EXPECT_EQ(route_of(r, "GET", "/api/v1/customers/7/predictions/9", &req), "prediction");
  EXPECT_EQ(req.param("id"), "7");
  EXPECT_EQ(req.param("pid"), "9");
  EXPECT_EQ(req.param("missing"), "");
}

TEST(Router, LiteralSegmentWinsOverParameterRegardlessOfOrder) {
  Router r;
  r.add("GET", "/items/{id}", named("item"));
  r.add("GET", "/items/export", named("export"));
  EXPECT_EQ(route_of(r, "GET", "/items/export"), "export");
  EXPECT_EQ(route_of(r, "GET", "/items/exports"), "item");
}

TEST(Router, DecodesEachSegmentAndKeepsEncodedSlashInside) {
  const Router r = sample_router();
  Request req;
  EXPECT_EQ(route_of(r, "GET", "/api/v1/customers/a%20b", &req), "get");
  EXPECT_EQ(req.param("id"), "a b");
  EXPECT_EQ(route_of(r, "GET", "/api/v1/customers/x%2Fy", &req), "get");
  EXPECT_EQ(req.param("id"), "x/y");
  EXPECT_EQ(route_of(r, "GET", "/api/v1/customers/%zz"), "404");
}

TEST(Router, ToleratesTrailingSlashAndIgnoresQuery) {
  const Router r = sample_router();
  EXPECT_EQ(route_of(r, "GET", "/api/v1/customers/"), "list");
  EXPECT_EQ(route_of(r, "GET", "/api/v1/customers/5/?x=1"), "get");
  EXPECT_EQ(route_of(r, "GET", "/api/v1/customers?limit=10"), "list");
}

TEST(Router, UnknownPathIsNoPathAndWrongMethodListsAllowed) {
  const Router r = sample_router();
  EXPECT_EQ(route_of(r, "GET", "/api/v1/nothing"), "404");
  EXPECT_EQ(route_of(r, "GET", "/api/v1/customers/1/predictions"), "404");

  Request req;
  req.method = "PUT";
  req.target = "/api/v1/customers/3";
  std::vector<std::string> allowed;
  const Route* route = nullptr;
  ASSERT_EQ(r.match(req, &route, &allowed), Router::Match::kWrongMethod);
  EXPECT_EQ(allowed, (std::vector<std::string>{"DELETE", "GET", "HEAD", "OPTIONS"}));
}

TEST(Router, HeadFallsBackToGetButPrefersExplicitHeadRoute) {
  Router r = sample_router();
  EXPECT_EQ(route_of(r, "HEAD", "/api/v1/customers/1"), "get");
  r.add("HEAD", "/api/v1/customers/{id}", named("head"));
  EXPECT_EQ(route_of(r, "HEAD", "/api/v1/customers/1"), "head");
}

TEST(Url, ParsesQueryWithRepeatsPlusAndEscapes) {
  auto q = parse_query("a=1&b=x+y%21&a=2&flag&&c=");
  ASSERT_TRUE(q);
  const std::vector<std::pair<std::string, std::string>> expected{
      {"a", "1"}, {"b", "x y!"}, {"a", "2"}, {"flag", ""}, {"c", ""}};
  EXPECT_EQ(*q, expected);
  EXPECT_FALSE(parse_query("a=%G1"));
  EXPECT_FALSE(parse_query("a=%4"));
  EXPECT_FALSE(percent_decode("%00"));  // an encoded NUL is never a valid name
  EXPECT_EQ(*percent_decode("a+b"), "a+b");
}

TEST(Message, HeaderLookupIgnoresCaseAndSetHeaderReplaces) {
  Request req;
  req.headers["x-thing"] = "1";
  req.query = {{"k", "v1"}, {"k", "v2"}};
  EXPECT_EQ(req.header("X-Thing"), "1");
  EXPECT_EQ(req.header("absent"), "");
  EXPECT_EQ(req.query_param("k"), "v1");
  EXPECT_FALSE(req.query_param("z"));

  Response res = Response::json(201, R"({"ok":true})");
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(res.content_type, "application/json");
  res.set_header("X-A", "1");
  res.set_header("x-a", "2");
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.headers[0].second, "2");
}

}  // namespace
}  // namespace churnwatch::http
