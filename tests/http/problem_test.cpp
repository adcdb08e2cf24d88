#include "http/problem.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace churnwatch::http {
namespace {

std::string header_of(const Response& res, const std::string& name) {
  for (const auto& [key, value] : res.headers) {
    if (key == name) return value;
  }
  return "";
}

Response map(const std::exception_ptr& e) {
  Request req;
  req.request_id = "req-123";
  return problem_from_exception(e, req);
}

template <typename E, typename... Args>
Response map_error(Args&&... args) {
  return map(std::make_exception_ptr(E(std::forward<Args>(args)...)));
}

TEST(Problem, EachErrorKindHasItsStatusAndStableType) {
  struct Case {
    Response res;
    int status;
    std::string type;
  };
  const std::vector<Case> cases{
      {map_error<core::Invalid>("bad"), 422, "/problems/validation-error"},
      {map_error<core::NotFound>("no customer 7"), 404, "/problems/not-found"},
      {map_error<core::Conflict>("duplicate"), 409, "/problems/conflict"},
      {map_error<core::Unauthorized>("token expired"), 401, "/problems/unauthorized"},
      {map_error<core::Forbidden>("admins only"), 403, "/problems/forbidden"},
      {map_error<core::TooLarge>("batch too big"), 413, "/problems/payload-too-large"},
      {map_error<core::RateLimited>("slow down", 30), 429, "/problems/rate-limited"},
      {map_error<core::Unavailable>("db down"), 503, "/problems/unavailable"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.type);
    EXPECT_EQ(c.res.status, c.status);
    EXPECT_EQ(c.res.content_type, "application/problem+json");
    const auto doc = nlohmann::json::parse(c.res.body);
    EXPECT_EQ(doc["type"], c.type);
    EXPECT_EQ(doc["status"], c.status);
    EXPECT_EQ(doc["instance"], "req-123");
    EXPECT_FALSE(doc["title"].get<std::string>().empty());
  }
  EXPECT_EQ(nlohmann::json::parse(cases[1].res.body)["detail"], "no customer 7");
  EXPECT_EQ(header_of(cases[3].res, "WWW-Authenticate"), "Bearer");
  EXPECT_EQ(header_of(cases[6].res, "Retry-After"), "30");
}

TEST(Problem, ValidationErrorsListFieldLineAndColumn) {
  const auto res = map_error<core::Invalid>(
      "2 rows are invalid",
      std::vector<core::FieldError>{{"age", "not a number", 3, 5}, {"name", "required", {}, {}}});
  const auto doc = nlohmann::json::parse(res.body);
  ASSERT_EQ(doc["errors"].size(), 2u);
  EXPECT_EQ(doc["errors"][0]["field"], "age");
  EXPECT_EQ(doc["errors"][0]["message"], "not a number");
  EXPECT_EQ(doc["errors"][0]["line"], 3);
  EXPECT_EQ(doc["errors"][0]["column"], 5);
  EXPECT_TRUE(doc["errors"][1]["line"].is_null());
  EXPECT_EQ(doc["detail"], "2 rows are invalid");
}

TEST(Problem, MalformedJsonIs400WithBytePosition) {
  std::exception_ptr e;
  try {
    (void)nlohmann::json::parse(R"({"a": 1,, })");
  } catch (...) {
    e = std::current_exception();
  }
  const auto res = map(e);
  EXPECT_EQ(res.status, 400);
  const auto doc = nlohmann::json::parse(res.body);
  EXPECT_EQ(doc["type"], "/problems/invalid-json");
  EXPECT_NE(doc["detail"].get<std::string>().find("byte 9"), std::string::npos) << doc["detail"];
}

TEST(Problem, UnexpectedErrorsAre500WithoutLeakingDetails) {
  const auto res = map_error<std::runtime_error>("password=hunter2 at /srv/db.sqlite");
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(res.body.find("hunter2"), std::string::npos);
  EXPECT_EQ(res.body.find("/srv"), std::string::npos);
  const auto doc = nlohmann::json::parse(res.body);
  EXPECT_EQ(doc["type"], "/problems/internal-error");
  EXPECT_EQ(doc["instance"], "req-123");

  const auto odd = map(std::make_exception_ptr(42));
  EXPECT_EQ(odd.status, 500);
}

TEST(Problem, DirectProblemHasShapeWithoutErrorsWhenNone) {
  const auto res = problem(404, "not-found", "Not found", "nothing here");
  const auto doc = nlohmann::json::parse(res.body);
  EXPECT_EQ(doc["type"], "/problems/not-found");
  EXPECT_EQ(doc["status"], 404);
  EXPECT_FALSE(doc.contains("errors"));
}

}  // namespace
}  // namespace churnwatch::http
