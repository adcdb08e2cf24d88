// The API on Redis, seen from a client: two servers sharing one Redis hold one
// rate limit between them (429 + Retry-After once their combined requests
// pass it) and count sign-in failures together (a lockout earned on one holds
// on the other, and an admin lifts it for both), the API keeps answering while
// Redis is down (the limiter falls back to per-process buckets), and /readyz
// and /metrics report the Redis job queue.
#include <gtest/gtest.h>

#include <memory>

#include "cache/redis_test_support.hpp"
#include "http/api/security.hpp"
#include "http/api_harness.hpp"
#include "services/redis_lockout_counters.hpp"
#include "services/redis_rate_limiter.hpp"

namespace churnwatch {
namespace {

using test_support::ApiHarness;
using test_support::Headers;
using test_support::TestClient;
using test_support::TestResponse;

constexpr int kPerMinute = 10;

http::SecurityOptions limits() {
  http::SecurityOptions o;
  o.requests_per_minute_per_ip = kPerMinute;
  o.trusted_proxies = {"127.0.0.1"};  // the tests' own peer, so X-Forwarded-For names the client
  return o;
}

http::SecurityOptions limits_without_rate() {
  http::SecurityOptions o;
  o.requests_per_minute_per_ip = 0;
  o.trusted_proxies = {"127.0.0.1"};
  return o;
}

std::shared_ptr<cache::RedisClient> redis_client(const std::string& url, const std::string& prefix) {
  auto o = cache::parse_redis_url(url);
  o.key_prefix = prefix;
  o.connect_timeout = std::chrono::milliseconds(500);
  return std::make_shared<cache::RedisClient>(o);
}

// One `churnwatch serve` as the composition root builds it with
// CHURNWATCH_REDIS_URL: its own Redis rate limiter over its own connections.
struct RedisLimitedServer {
  RedisLimitedServer(const std::string& url, const std::string& prefix)
      : limiter(redis_client(url, prefix), std::chrono::milliseconds(50)) {
    api = std::make_unique<ApiHarness>([this](http::ApiContext& ctx, http::ServerOptions&) {
      security = std::make_unique<http::ApiSecurity>(limits(), limiter);
      ctx.security = security.get();
    });
  }
  ~RedisLimitedServer() { api.reset(); }

  TestResponse get_from(const std::string& address, std::string_view target) {
    TestClient c(api->port());
    return c.request("GET", target, {}, Headers{{"X-Forwarded-For", address}});
  }

  services::RedisRateLimiter limiter;
  std::unique_ptr<http::ApiSecurity> security;
  std::unique_ptr<ApiHarness> api;
};

TEST(ApiOnRedis, TwoServersSharingOneRedisHoldOneLimitBetweenThem) {
  const std::string url = testing::test_redis_url();
  if (url.empty()) GTEST_SKIP() << testing::kNoRedis;
  const std::string prefix = testing::unique_prefix("api-limits");
  RedisLimitedServer a(url, prefix), b(url, prefix);

  // Alternating servers, as a load balancer would: each alone sees half the
  // budget, so only a shared bucket refuses the request after the 10th.
  for (int i = 0; i < kPerMinute; ++i) {
    auto& server = i % 2 == 0 ? a : b;
    ASSERT_EQ(server.get_from("203.0.113.50", "/api/v1/openapi.json").status, 200) << i;
  }
  for (auto* server : {&a, &b}) {
    auto refused = server->get_from("203.0.113.50", "/api/v1/openapi.json");
    EXPECT_EQ(refused.status, 429) << "the combined requests passed the limit";
    EXPECT_GE(std::stoi(refused.header("retry-after")), 1);
    EXPECT_LE(std::stoi(refused.header("retry-after")), 6);  // 10/min: one every 6 s
    EXPECT_EQ(refused.json()["type"], "/problems/rate-limited");
  }
  EXPECT_EQ(a.get_from("203.0.113.51", "/api/v1/openapi.json").status, 200) << "another client";
  EXPECT_FALSE(a.limiter.degraded());
  EXPECT_FALSE(b.limiter.degraded());
}

TEST(ApiOnRedis, TheApiKeepsAnsweringWhileRedisIsDown) {
  if (!testing::PrivateRedis::available()) GTEST_SKIP() << "redis-server is not installed";
  testing::PrivateRedis redis;
  redis.start();
  RedisLimitedServer server(redis.url(), "cw:");
  ASSERT_EQ(server.get_from("198.51.100.60", "/api/v1/openapi.json").status, 200);

  redis.stop();
  // Well under the limit, from several clients: every request is answered.
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(server.get_from("198.51.100." + std::to_string(61 + i), "/api/v1/openapi.json").status, 200)
        << i;
  EXPECT_TRUE(server.limiter.degraded());
  EXPECT_EQ(server.api->call("viewer", "GET", "/api/v1/auth/me").status, 200);
  // The per-process fallback still limits.
  for (int i = 0; i < kPerMinute; ++i) server.get_from("198.51.100.99", "/api/v1/openapi.json");
  EXPECT_EQ(server.get_from("198.51.100.99", "/api/v1/openapi.json").status, 429);

  redis.start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (server.limiter.degraded() && std::chrono::steady_clock::now() < deadline) {
    server.get_from("198.51.100.70", "/api/v1/openapi.json");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_FALSE(server.limiter.degraded()) << "limits are shared through Redis again";
}

TEST(ApiOnRedis, TwoServersCountSignInFailuresTogether) {
  const std::string url = testing::test_redis_url();
  if (url.empty()) GTEST_SKIP() << testing::kNoRedis;
  const std::string prefix = testing::unique_prefix("api-lockout");
  // Two servers sharing one Redis, as a fleet (each harness has its own database).
  struct Server {
    services::InProcessRateLimiter limiter;
    std::unique_ptr<http::ApiSecurity> security;
  };
  Server a, b;
  auto counters = [&] { return std::make_shared<services::RedisLockoutCounters>(redis_client(url, prefix)); };
  ApiHarness one([&](http::ApiContext& ctx, http::ServerOptions&) {
    a.security = std::make_unique<http::ApiSecurity>(limits_without_rate(), a.limiter, nullptr, counters());
    ctx.security = a.security.get();
  });
  ApiHarness two([&](http::ApiContext& ctx, http::ServerOptions&) {
    b.security = std::make_unique<http::ApiSecurity>(limits_without_rate(), b.limiter, nullptr, counters());
    ctx.security = b.security.get();
  });
  auto login = [](ApiHarness& api, const std::string& address, const std::string& password) {
    TestClient c(api.port());
    return c.request("POST", "/api/v1/auth/login",
                     nlohmann::json{{"username", "viewer-user"}, {"password", password}}.dump(),
                     {{"X-Forwarded-For", address}, {"Content-Type", "application/json"}});
  };
  // Five wrong guesses spread over both servers: each saw fewer than five.
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(login(i % 2 ? two : one, "203.0.113.60", "wrong-" + std::to_string(i)).status, 401) << i;
  for (auto* api : {&one, &two}) {
    auto locked = login(*api, "203.0.113.60", "password-viewer");
    EXPECT_EQ(locked.status, 429) << "the combined failures passed the limit";
    EXPECT_GE(std::stoi(locked.header("retry-after")), 50);
  }
  EXPECT_EQ(login(two, "203.0.113.61", "password-viewer").status, 200) << "the user at another address";
  // Lifted on one server, lifted on both.
  EXPECT_EQ(a.security->clear_lockout(std::string("viewer-user"), std::nullopt), 1);
  EXPECT_EQ(login(two, "203.0.113.60", "password-viewer").status, 200);
}

TEST(ApiOnRedis, ReadinessAndMetricsReportTheRedisQueue) {
  const std::string url = testing::test_redis_url();
  if (url.empty()) GTEST_SKIP() << testing::kNoRedis;
  ApiHarness api({}, url + "?prefix=" + testing::unique_prefix("api-queue"));
  // A kind no worker runs stays queued.
  api.jobs().enqueue("nobody-runs-this", nlohmann::json::object(), {});
  api.jobs().enqueue("nobody-runs-this", nlohmann::json::object(), {});

  auto r = api.call("", "GET", "/readyz");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["checks"]["queue"]["state"], "ok");
  EXPECT_EQ(r.json()["checks"]["queue"]["detail"], "2 job(s) waiting");

  const auto metrics = api.call("", "GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("\nchurnwatch_job_queue_depth 2\n"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("churnwatch_jobs{state=\"queued\"} 2\n"), std::string::npos) << metrics.body;
}

}  // namespace
}  // namespace churnwatch
