// The server end to end: a real Server on a loopback port, real sockets.
#include "http/server.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <future>
#include <sstream>
#include <thread>

#include "core/errors.hpp"
#include "http/test_client.hpp"

namespace churnwatch::http {
namespace {

using namespace std::chrono_literals;
using test_support::TestClient;
using test_support::TestResponse;

constexpr std::size_t kMaxBody = 64 * 1024;
constexpr std::size_t kMaxHeader = 4 * 1024;

// Shared between a test and its handlers.
struct Probe {
  std::atomic<bool> slow_started{false};
  std::atomic<bool> slow_finished{false};
  std::atomic<bool> release_stream{false};
  std::atomic<int> middleware_calls{0};
};

Router test_router(Probe& probe) {
  Router r;
  r.add("GET", "/api/v1/echo/{name}", [](Request& req) {
    nlohmann::json doc = {{"name", req.param("name")},
                          {"q", req.query_param("q").value_or("")},
                          {"user", req.username},
                          {"request_id", req.request_id}};
    return Response::json(200, doc.dump());
  });
  r.add("POST", "/api/v1/echo", [](Request& req) {
    return Response::json(201, nlohmann::json{{"length", req.body.size()}}.dump());
  });
  r.add("POST", "/api/v1/json", [](Request& req) {
    auto doc = nlohmann::json::parse(req.body);
    return Response::json(200, doc.dump());
  });
  r.add("GET", "/api/v1/fail/{kind}", [](Request& req) -> Response {
    const auto& kind = req.param("kind");
    if (kind == "invalid")
      throw core::Invalid("bad input", {{"email", "must contain @", std::nullopt, std::nullopt}});
    if (kind == "notfound") throw core::NotFound("no such customer");
    if (kind == "conflict") throw core::Conflict("already exists");
    if (kind == "forbidden") throw core::Forbidden("admins only");
    if (kind == "toolarge") throw core::TooLarge("batch too large");
    if (kind == "ratelimited") throw core::RateLimited("slow down", 7);
    if (kind == "unavailable") throw core::Unavailable("database down");
    throw std::runtime_error("secret internal detail");
  });
  r.add("GET", "/api/v1/slow", [&probe](Request&) {
    probe.slow_started = true;
    std::this_thread::sleep_for(600ms);
    probe.slow_finished = true;
    return Response::json(200, R"({"slow":true})");
  });
  r.add("GET", "/api/v1/stream", [&probe](Request& req) {
    const int rows = std::stoi(req.query_param("rows").value_or("1000"));
    const bool gated = req.query_param("gated").has_value();
    Response res;
    res.content_type = "text/csv";
    auto next = std::make_shared<int>(0);
    res.stream = [&probe, next, rows, gated](std::string& out) {
      // A gated producer refuses to continue until the client has seen the
      // first piece, which proves nothing waits for the whole body.
      if (gated && *next > 0) {
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (!probe.release_stream && std::chrono::steady_clock::now() < deadline)
          std::this_thread::sleep_for(1ms);
      }
      const int end = std::min(rows, *next + 10000);
      for (; *next < end; ++*next) out += "row," + std::to_string(*next) + "\n";
      return *next < rows;
    };
    return res;
  });
  r.add("GET", "/api/v1/header", [](Request& req) {
    Response res = Response::json(200, "{}");
    res.set_header("X-Echo", req.query_param("v").value_or(""));
    return res;
  });
  r.add("GET", "/healthz", [](Request&) { return Response::json(200, R"({"status":"ok"})"); });
  return r;
}

class ServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions options = {}) {
    options.port = 0;
    options.threads = 2;
    options.max_body_bytes = kMaxBody;
    options.max_header_bytes = kMaxHeader;
    server_ = std::make_unique<Server>(options, test_router(probe_));
    server_->set_middleware([this](Request& req) {
      ++probe_.middleware_calls;
      const auto auth = req.header("authorization");
      if (auth == "Bearer bad") throw core::Unauthorized("invalid token");
      if (auth == "Bearer alice") req.username = "alice";
    });
    server_->start();
  }
  void SetUp() override { start(); }
  void TearDown() override {
    if (server_) server_->stop(1);
  }

  Probe probe_;
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, RoutesWithDecodedParamsAndQuery) {
  TestClient c(server_->port());
  const auto r = c.request("GET", "/api/v1/echo/J%C3%BCrgen%20M?q=a+b%26c");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "application/json");
  const auto doc = r.json();
  EXPECT_EQ(doc["name"], "J\xC3\xBCrgen M");
  EXPECT_EQ(doc["q"], "a b&c");
}

TEST_F(ServerTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  TestClient c(server_->port());
  const auto missing = c.request("GET", "/api/v1/nothing");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.header("content-type"), "application/problem+json");
  EXPECT_EQ(missing.json()["type"], "/problems/not-found");

  const auto wrong = c.request("DELETE", "/api/v1/echo");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.header("allow"), "OPTIONS, POST");
  EXPECT_EQ(wrong.json()["type"], "/problems/method-not-allowed");
  EXPECT_EQ(probe_.middleware_calls, 0) << "middleware runs only for routed requests";
}

TEST_F(ServerTest, OptionsAnswersAllowAndHeadOmitsBody) {
  TestClient c(server_->port());
  const auto options = c.request("OPTIONS", "/api/v1/echo/x");
  EXPECT_EQ(options.status, 204);
  EXPECT_EQ(options.header("allow"), "GET, HEAD, OPTIONS");

  const auto get = c.request("GET", "/healthz");
  const auto head = c.request("HEAD", "/healthz");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.header("content-length"), std::to_string(get.body.size()));
  // The connection is still usable: the HEAD response carried no stray body.
  EXPECT_EQ(c.request("GET", "/healthz").body, get.body);
  EXPECT_EQ(c.connections(), 1);
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  TestClient c(server_->port());
  for (int i = 0; i < 3; ++i) {
    const auto r = c.request("POST", "/api/v1/echo", std::string(100 * (i + 1), 'x'));
    ASSERT_EQ(r.status, 201);
    EXPECT_EQ(r.json()["length"], 100 * (i + 1));
  }
  EXPECT_EQ(c.connections(), 1);
  EXPECT_TRUE(c.connected());
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  TestClient c(server_->port());
  c.send_raw(
      "GET /api/v1/echo/first HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
      "GET /api/v1/echo/third HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(c.read_response().json()["name"], "first");
  EXPECT_EQ(c.read_response().json()["length"], 3);
  EXPECT_EQ(c.read_response().json()["name"], "third");
}

TEST_F(ServerTest, HeaderValuesCannotSplitTheResponse) {
  TestClient c(server_->port());
  const auto r = c.request("GET", "/api/v1/header?v=x%0D%0AX-Injected:%201");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("x-injected"), "");
  EXPECT_EQ(r.header("x-echo"), "x  X-Injected: 1");
}

TEST_F(ServerTest, BodyOverLimitIs413) {
  TestClient c(server_->port());
  const auto r = c.request("POST", "/api/v1/echo", std::string(kMaxBody + 1, 'x'));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.json()["type"], "/problems/payload-too-large");
  EXPECT_EQ(r.json()["instance"], r.header("x-request-id"));

  TestClient at_limit(server_->port());
  EXPECT_EQ(at_limit.request("POST", "/api/v1/echo", std::string(kMaxBody, 'x')).status, 201);
}

TEST_F(ServerTest, ChunkedBodyOverLimitIs413) {
  TestClient c(server_->port());
  std::string chunked;
  for (int i = 0; i < 20; ++i) chunked += "1000\r\n" + std::string(0x1000, 'y') + "\r\n";
  chunked += "0\r\n\r\n";
  const auto r = c.request("POST", "/api/v1/echo", chunked, {{"Transfer-Encoding", "chunked"}});
  EXPECT_EQ(r.status, 413);
}

TEST_F(ServerTest, HugeHeaderBlockIs431) {
  TestClient c(server_->port());
  const auto r = c.request("GET", "/healthz", "", {{"X-Big", std::string(kMaxHeader + 10, 'h')}});
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(r.json()["type"], "/problems/headers-too-large");
}

TEST_F(ServerTest, MalformedRequestIs400AndClosed) {
  TestClient c(server_->port());
  c.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n");
  const auto r = c.read_response();
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.header("content-type"), "application/problem+json");
  EXPECT_TRUE(c.wait_closed(3s));
}

TEST_F(ServerTest, ExpectContinueGetsInterimResponse) {
  TestClient c(server_->port());
  c.send_raw("POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  const auto interim = c.read_response();
  EXPECT_EQ(interim.status, 100);
  c.send_raw("hello");
  const auto r = c.read_response();
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.json()["length"], 5);
}

TEST_F(ServerTest, RequestIdIsEchoedWhenSaneAndGeneratedOtherwise) {
  TestClient c(server_->port());
  const auto echoed = c.request("GET", "/api/v1/echo/a", "", {{"X-Request-Id", "client-id_1.2"}});
  EXPECT_EQ(echoed.header("x-request-id"), "client-id_1.2");
  EXPECT_EQ(echoed.json()["request_id"], "client-id_1.2");

  for (const std::string& bad : {std::string("has space"), std::string(129, 'a'),
                                std::string("semi;colon"), std::string("")}) {
    const auto r = c.request("GET", "/api/v1/echo/a", "", {{"X-Request-Id", bad}});
    const auto id = r.header("x-request-id");
    EXPECT_NE(id, bad);
    EXPECT_EQ(id.size(), 32u) << id;
    EXPECT_EQ(r.json()["request_id"], id);
  }
  const auto a = c.request("GET", "/healthz");
  const auto b = c.request("GET", "/healthz");
  EXPECT_NE(a.header("x-request-id"), b.header("x-request-id"));

  const auto problem = c.request("GET", "/api/v1/nothing", "", {{"X-Request-Id", "trace-9"}});
  EXPECT_EQ(problem.json()["instance"], "trace-9");
}

TEST_F(ServerTest, SecurityHeadersOnEveryResponseAndNoStoreUnderApi) {
  TestClient c(server_->port());
  const std::vector<TestResponse> responses{c.request("GET", "/api/v1/echo/x"),
                                            c.request("GET", "/api/v1/nothing"),
                                            c.request("GET", "/healthz"),
                                            c.request("POST", "/api/v1/echo",
                                                      std::string(kMaxBody + 1, 'x'))};
  for (const auto& r : responses) {
    SCOPED_TRACE(r.status);
    EXPECT_EQ(r.header("x-content-type-options"), "nosniff");
    EXPECT_EQ(r.header("referrer-policy"), "no-referrer");
    EXPECT_EQ(r.header("x-frame-options"), "DENY");
    EXPECT_EQ(r.header("content-security-policy"),
              "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
              "frame-ancestors 'none'; base-uri 'self'; form-action 'self'");
    EXPECT_FALSE(r.header("x-request-id").empty());
  }
  EXPECT_EQ(responses[0].header("cache-control"), "no-store");
  EXPECT_EQ(responses[1].header("cache-control"), "no-store");
  EXPECT_EQ(responses[2].header("cache-control"), "");
}

TEST_F(ServerTest, HandlerErrorsBecomeProblemDocuments) {
  TestClient c(server_->port());
  const std::vector<std::tuple<std::string, int, std::string>> cases{
      {"invalid", 422, "validation-error"}, {"notfound", 404, "not-found"},
      {"conflict", 409, "conflict"},        {"forbidden", 403, "forbidden"},
      {"toolarge", 413, "payload-too-large"}, {"ratelimited", 429, "rate-limited"},
      {"unavailable", 503, "unavailable"},  {"boom", 500, "internal-error"}};
  for (const auto& [kind, status, slug] : cases) {
    SCOPED_TRACE(kind);
    const auto r = c.request("GET", "/api/v1/fail/" + kind);
    EXPECT_EQ(r.status, status);
    EXPECT_EQ(r.header("content-type"), "application/problem+json");
    const auto doc = r.json();
    EXPECT_EQ(doc["type"], "/problems/" + slug);
    EXPECT_EQ(doc["status"], status);
    EXPECT_EQ(doc["instance"], r.header("x-request-id"));
    EXPECT_EQ(r.body.find("secret internal detail"), std::string::npos);
  }
  const auto invalid = c.request("GET", "/api/v1/fail/invalid").json();
  EXPECT_EQ(invalid["errors"][0]["field"], "email");
  EXPECT_EQ(c.request("GET", "/api/v1/fail/ratelimited").header("retry-after"), "7");

  const auto bad_json = c.request("POST", "/api/v1/json", R"({"a":)");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_EQ(bad_json.json()["type"], "/problems/invalid-json");
  EXPECT_EQ(c.connections(), 1) << "errors keep the connection alive";
}

TEST_F(ServerTest, MiddlewareRunsBeforeHandlerAndItsErrorsAreProblems) {
  TestClient c(server_->port());
  const auto ok = c.request("GET", "/api/v1/echo/x", "", {{"Authorization", "Bearer alice"}});
  EXPECT_EQ(ok.json()["user"], "alice");
  const auto denied = c.request("GET", "/api/v1/echo/x", "", {{"Authorization", "Bearer bad"}});
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(denied.header("www-authenticate"), "Bearer");
  EXPECT_EQ(denied.json()["type"], "/problems/unauthorized");
}

TEST_F(ServerTest, StreamsLargeBodiesInChunks) {
  TestClient c(server_->port());
  const int rows = 200000;
  const auto r = c.request("GET", "/api/v1/stream?rows=" + std::to_string(rows));
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(r.chunked);
  EXPECT_GT(r.chunk_count, 10u);
  EXPECT_EQ(r.header("content-type"), "text/csv");
  EXPECT_EQ(std::count(r.body.begin(), r.body.end(), '\n'), rows);
  EXPECT_EQ(r.body.substr(0, 12), "row,0\nrow,1\n");
  EXPECT_NE(r.body.find("row,199999\n"), std::string::npos);
  // The connection survives a streamed response.
  EXPECT_EQ(c.request("GET", "/healthz").status, 200);
  EXPECT_EQ(c.connections(), 1);
}

TEST_F(ServerTest, StreamedBodyReachesClientBeforeItIsComplete) {
  TestClient c(server_->port());
  c.send_raw("GET /api/v1/stream?rows=20000&gated=1 HTTP/1.1\r\nHost: x\r\n\r\n");
  // The producer blocks after its first piece until released; seeing that
  // piece here proves the server did not buffer the whole body.
  ASSERT_TRUE(c.wait_for("row,9999\n"));
  probe_.release_stream = true;
  const auto r = c.read_response();
  EXPECT_EQ(std::count(r.body.begin(), r.body.end(), '\n'), 20000);
}

TEST_F(ServerTest, StreamToHttp10ClientEndsWithTheConnection) {
  TestClient c(server_->port());
  c.send_raw("GET /api/v1/stream?rows=30000 HTTP/1.0\r\n\r\n");
  const auto r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.chunked);
  EXPECT_EQ(std::count(r.body.begin(), r.body.end(), '\n'), 30000);
  EXPECT_EQ(r.body.substr(r.body.size() - 10), "row,29999\n");
}

TEST_F(ServerTest, SlowHandlerDoesNotBlockOtherConnections) {
  auto slow = std::async(std::launch::async, [this] {
    TestClient c(server_->port());
    return c.request("GET", "/api/v1/slow").status;
  });
  while (!probe_.slow_started) std::this_thread::sleep_for(1ms);
  for (int i = 0; i < 5; ++i) {
    TestClient c(server_->port());
    EXPECT_EQ(c.request("GET", "/healthz").status, 200);
  }
  EXPECT_FALSE(probe_.slow_finished) << "fast requests waited for the slow handler";
  EXPECT_EQ(slow.get(), 200);
}

TEST_F(ServerTest, GracefulStopFinishesInFlightRequestThenRefusesConnections) {
  auto slow = std::async(std::launch::async, [this] {
    TestClient c(server_->port());
    return c.request("GET", "/api/v1/slow");
  });
  while (!probe_.slow_started) std::this_thread::sleep_for(1ms);
  TestClient idle(server_->port());
  ASSERT_EQ(idle.request("GET", "/healthz").status, 200);

  const auto port = server_->port();
  auto waiter = std::async(std::launch::async, [this] { server_->wait(); });
  server_->stop(5);
  EXPECT_EQ(waiter.wait_for(1s), std::future_status::ready);

  const auto r = slow.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["slow"], true);
  EXPECT_EQ(r.header("connection"), "close");
  EXPECT_TRUE(idle.wait_closed(1s)) << "idle keep-alive connections are closed";
  TestClient late(port);
  EXPECT_THROW(late.request("GET", "/healthz"), std::runtime_error);
}

TEST_F(ServerTest, StartFailsWithUnavailableWhenPortIsTaken) {
  ServerOptions options;
  options.port = server_->port();
  Server second(options, Router{});
  EXPECT_THROW(second.start(), core::Unavailable);
}

TEST(ServerTimeouts, StalledRequestIsClosedAfterReadTimeout) {
  ServerOptions options;
  options.port = 0;
  options.threads = 2;
  options.read_timeout_seconds = 1;
  Server server(options, Router{});
  server.start();
  TestClient c(server.port());
  c.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n");  // never finishes the header
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.wait_closed(4s));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 800ms);
}

TEST(ServerTimeouts, IdleKeepAliveConnectionIsClosed) {
  ServerOptions options;
  options.port = 0;
  options.threads = 2;
  options.idle_timeout_seconds = 1;
  Router router;
  router.add("GET", "/ping", [](Request&) { return Response::json(200, "{}"); });
  Server server(options, std::move(router));
  server.start();
  TestClient c(server.port());
  ASSERT_EQ(c.request("GET", "/ping").status, 200);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.wait_closed(4s));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 800ms);
}

TEST(ServerAccessLog, OneJsonLinePerRequestWithoutSecrets) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  sink->set_pattern("%v");
  auto logger = std::make_shared<spdlog::logger>("access", sink);
  spdlog::register_logger(logger);

  Router router;
  router.add("POST", "/api/v1/login", [](Request& req) {
    req.username = "bob";
    return Response::json(200, "{}");
  });
  ServerOptions options;
  options.port = 0;
  options.threads = 2;
  Server server(options, std::move(router));
  server.start();
  {
    TestClient c(server.port());
    c.request("POST", "/api/v1/login", R"({"password":"body-secret"})",
              {{"Authorization", "Bearer token-secret"}, {"X-Request-Id", "log-1"}});
    c.request("GET", "/api/v1/missing");
  }
  server.stop(1);
  spdlog::drop("access");

  std::istringstream lines(out.str());
  std::vector<nlohmann::json> entries;
  for (std::string line; std::getline(lines, line);) entries.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(entries.size(), 2u) << out.str();
  const auto& first = entries[0];
  EXPECT_EQ(first["request_id"], "log-1");
  EXPECT_EQ(first["method"], "POST");
  EXPECT_EQ(first["path"], "/api/v1/login");
  EXPECT_EQ(first["status"], 200);
  EXPECT_EQ(first["bytes"], 2);
  EXPECT_EQ(first["remote_ip"], "127.0.0.1");
  EXPECT_EQ(first["user"], "bob");
  EXPECT_TRUE(first["duration_ms"].is_number());
  EXPECT_TRUE(first["time"].is_string());
  EXPECT_EQ(entries[1]["status"], 404);
  EXPECT_EQ(out.str().find("secret"), std::string::npos);
}

}  // namespace
}  // namespace churnwatch::http
