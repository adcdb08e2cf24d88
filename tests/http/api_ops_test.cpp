// Operations endpoints through a real server: /healthz, /readyz with its
// named checks, Prometheus /metrics (open or behind a token), and the
// schedules API.
#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "core/metrics.hpp"
#include "core/readiness.hpp"
#include "http/api/security.hpp"
#include "http/api_harness.hpp"
#include "services/audit.hpp"
#include "services/rate_limiter.hpp"

namespace churnwatch {
namespace {

using namespace std::chrono_literals;
using test_support::ApiHarness;
using test_support::TestResponse;

bool has_line_starting(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(prefix, 0) == 0) return true;
  return false;
}

// The value of the sample line that is exactly `series` followed by a space; -1 when absent.
double sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  return -1;
}

// The server counts a request after its response is sent, so a scrape that
// follows at once may not see it yet: scrape until `ready` holds (or give up
// after ten seconds and return the last scrape for the assertions to report).
template <typename Ready>
std::string scrape_until(ApiHarness& api, Ready ready) {
  std::string text;
  for (int i = 0; i < 1000; ++i) {
    text = api.call("", "GET", "/metrics").body;
    if (ready(text)) break;
    std::this_thread::sleep_for(10ms);
  }
  return text;
}

TEST(ApiOps, HealthzAnswersWithoutAnything) {
  ApiHarness api;
  auto r = api.call("", "GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["status"], "ok");
}

TEST(ApiOps, ReadyzNamesEachCheckAndItsState) {
  ApiHarness api;
  auto r = api.call("", "GET", "/readyz");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto j = r.json();
  EXPECT_EQ(j["status"], "ready");
  EXPECT_EQ(j["checks"]["store"]["state"], "ok");
  EXPECT_EQ(j["checks"]["store"]["required"], true);
  EXPECT_EQ(j["checks"]["queue"]["state"], "ok");
  EXPECT_EQ(j["checks"]["queue"]["required"], true);
  // No model trained yet: reported, but the server is still ready to import and train.
  EXPECT_EQ(j["checks"]["model"]["state"], "failed");
  EXPECT_EQ(j["checks"]["model"]["required"], false);
  EXPECT_NE(j["checks"]["model"]["detail"].get<std::string>().find("no production model"), std::string::npos);
}

TEST(ApiOps, RegisteredChecksJoinReadyzAndARequiredFailureGives503) {
  core::ReadinessChecks extra;
  ApiHarness api([&](http::ApiContext& ctx, http::ServerOptions&) { ctx.readiness = &extra; });
  extra.add("cache", false, []() -> std::string { throw std::runtime_error("redis: connection refused"); });
  auto r = api.call("", "GET", "/readyz");
  ASSERT_EQ(r.status, 200) << "an optional check does not make the server unready: " << r.body;
  EXPECT_EQ(r.json()["checks"]["cache"]["state"], "failed");
  EXPECT_EQ(r.json()["checks"]["cache"]["detail"], "redis: connection refused");

  extra.add("broker", true, []() -> std::string { throw std::runtime_error("unreachable"); });
  r = api.call("", "GET", "/readyz");
  ASSERT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.json()["status"], "not ready");
  EXPECT_EQ(r.json()["checks"]["broker"]["state"], "failed");
  EXPECT_EQ(r.json()["checks"]["store"]["state"], "ok");
}

TEST(ApiOps, MetricsCountRequestsByRouteTemplateWithLatencyHistograms) {
  ApiHarness api;
  const std::string series =
      R"(churnwatch_http_requests_total{method="GET",route="/api/v1/customers/{id}",status="404"})";
  const double before = std::max(0.0, sample(api.call("", "GET", "/metrics").body, series));
  for (const char* id : {"no-such-1", "no-such-2", "no-such-3"})
    EXPECT_EQ(api.call("viewer", "GET", std::string("/api/v1/customers/") + id).status, 404);

  auto r = api.call("", "GET", "/metrics");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string text =
      scrape_until(api, [&](const std::string& t) { return sample(t, series) >= before + 3; });
  // The three requests, under the route template, never the raw paths.
  EXPECT_EQ(sample(text, series), before + 3) << text;
  EXPECT_EQ(text.find("no-such-1"), std::string::npos);
  EXPECT_NE(text.find("# TYPE churnwatch_http_request_duration_seconds histogram"), std::string::npos);
  EXPECT_TRUE(has_line_starting(
      text,
      R"(churnwatch_http_request_duration_seconds_bucket{method="GET",route="/api/v1/customers/{id}",le="+Inf"})"))
      << text;
  EXPECT_TRUE(has_line_starting(
      text,
      R"(churnwatch_http_request_duration_seconds_count{method="GET",route="/api/v1/customers/{id}"})"));
  // Unknown paths are folded into one series.
  api.call("", "GET", "/api/v1/nothing-here-" + std::to_string(::getpid()));
  const std::string unmatched =
      R"(churnwatch_http_requests_total{method="GET",route="unmatched",status="404"})";
  EXPECT_TRUE(has_line_starting(
      scrape_until(api, [&](const std::string& t) { return has_line_starting(t, unmatched); }), unmatched));
}

TEST(ApiOps, MetricsShowModelQueueAndJobs) {
  ApiHarness api;
  ASSERT_EQ(api.import_fixture("bank_sample.csv").status, 200);
  // A job through the worker pool: an export.
  auto started = api.call("viewer", "POST", "/api/v1/customers/export?format=csv");
  ASSERT_EQ(started.status, 202) << started.body;
  for (int i = 0; i < 1000; ++i) {
    auto job = api.call("viewer", "GET", started.header("location")).json();
    if (job["state"] == "succeeded") break;
    std::this_thread::sleep_for(10ms);
  }
  // The worker counts the run just after storing its outcome: wait for the count.
  const std::string text = scrape_until(api, [](const std::string& t) {
    return sample(t, R"(churnwatch_job_runs_total{kind="export",state="succeeded"})") >= 1;
  });
  EXPECT_EQ(sample(text, "churnwatch_model_loaded"), 0) << text;
  EXPECT_EQ(sample(text, "churnwatch_model_version"), 0);
  EXPECT_EQ(sample(text, "churnwatch_job_queue_depth"), 0);
  EXPECT_EQ(sample(text, R"(churnwatch_jobs{state="succeeded"})"), 1);
  EXPECT_EQ(sample(text, R"(churnwatch_jobs{state="queued"})"), 0);
  EXPECT_GE(sample(text, R"(churnwatch_job_runs_total{kind="export",state="succeeded"})"), 1);
  EXPECT_GE(sample(text, R"(churnwatch_job_run_duration_seconds_count{kind="export",state="succeeded"})"), 1);
  EXPECT_NE(text.find("# TYPE churnwatch_predictions_total counter"), std::string::npos);
}

TEST(ApiOps, MetricsTokenIsRequiredWhenConfigured) {
  ApiHarness api(
      [](http::ApiContext& ctx, http::ServerOptions&) { ctx.metrics_token = "scrape-secret-123"; });
  test_support::TestClient c(api.port());
  EXPECT_EQ(c.request("GET", "/metrics").status, 401);
  EXPECT_EQ(c.request("GET", "/metrics", "", {{"Authorization", "Bearer wrong-secret-123"}}).status, 401);
  // A user's access token is not the metrics token.
  EXPECT_EQ(c.request("GET", "/metrics", "", {{"Authorization", "Bearer " + api.token("admin")}}).status,
            401);
  auto ok = c.request("GET", "/metrics", "", {{"Authorization", "Bearer scrape-secret-123"}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_NE(ok.body.find("churnwatch_http_requests_total"), std::string::npos);
  // Probes stay open.
  EXPECT_EQ(c.request("GET", "/healthz").status, 200);
}

TEST(ApiOps, SchedulesListWithNextRun) {
  ApiHarness api;
  auto r = api.call("viewer", "GET", "/api/v1/schedules");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto items = r.json()["items"];
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]["name"], "monitoring");
  EXPECT_EQ(items[0]["job_kind"], "monitor");
  EXPECT_EQ(items[0]["cron"], "@hourly");
  EXPECT_EQ(items[0]["enabled"], true);
  EXPECT_EQ(items[0]["runnable"], true);
  const std::string next = items[0]["next_run_at"];
  EXPECT_EQ(next.substr(13), ":00:00.000Z") << "an hourly tick is on the hour: " << next;
  EXPECT_EQ(items[1]["name"], "retraining");
  EXPECT_EQ(items[1]["cron"], "@weekly");
  EXPECT_TRUE(items[1]["updated_at"].is_null());
  EXPECT_EQ(api.call("", "GET", "/api/v1/schedules").status, 401);
}

TEST(ApiOps, AdminsChangeASchedulesCronAndEnabledAndItIsAudited) {
  services::InProcessRateLimiter limiter;
  std::unique_ptr<services::Audit> audit_log;
  std::unique_ptr<http::ApiSecurity> security;
  ApiHarness api([&](http::ApiContext& ctx, http::ServerOptions&) {
    audit_log = std::make_unique<services::Audit>(ctx.store);
    security = std::make_unique<http::ApiSecurity>(http::SecurityOptions{}, limiter, audit_log.get());
    ctx.security = security.get();
  });
  auto r =
      api.call("admin", "PUT", "/api/v1/schedules/retraining", R"({"cron": "30 2 * * 1", "enabled": true})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["cron"], "30 2 * * 1");
  const std::string next = r.json()["next_run_at"];
  EXPECT_EQ(next.substr(10), "T02:30:00.000Z");
  EXPECT_EQ(r.json()["updated_by"], "admin-user");

  r = api.call("admin", "PUT", "/api/v1/schedules/monitoring", R"({"enabled": false})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.json()["next_run_at"].is_null());
  EXPECT_EQ(r.json()["cron"], "@hourly");

  const auto items = api.call("viewer", "GET", "/api/v1/schedules").json()["items"];
  EXPECT_EQ(items[0]["enabled"], false);
  EXPECT_EQ(items[1]["cron"], "30 2 * * 1");

  auto audit = api.call("admin", "GET", "/api/v1/audit?action=schedules.");
  ASSERT_EQ(audit.status, 200) << audit.body;
  EXPECT_EQ(audit.json()["total"], 2) << audit.body;
  EXPECT_NE(audit.body.find("/api/v1/schedules/retraining"), std::string::npos) << audit.body;
  EXPECT_NE(audit.body.find("admin-user"), std::string::npos) << audit.body;
}

TEST(ApiOps, ScheduleChangesAreValidated) {
  ApiHarness api;
  auto bad = api.call("admin", "PUT", "/api/v1/schedules/monitoring", R"({"cron": "0 25 * * *"})");
  ASSERT_EQ(bad.status, 422) << bad.body;
  EXPECT_NE(bad.json()["detail"].get<std::string>().find("hour: 25 is outside 0-23"), std::string::npos)
      << bad.body;
  EXPECT_EQ(bad.json()["errors"][0]["field"], "cron");

  bad =
      api.call("admin", "PUT", "/api/v1/schedules/monitoring", R"({"cron": 5, "enabled": "yes", "when": 1})");
  ASSERT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(bad.json()["errors"].size(), 3u) << bad.body;
  EXPECT_EQ(api.call("admin", "PUT", "/api/v1/schedules/monitoring", "{}").status, 422);
  EXPECT_EQ(api.call("admin", "PUT", "/api/v1/schedules/backups", R"({"enabled": true})").status, 404);
  EXPECT_EQ(api.call("analyst", "PUT", "/api/v1/schedules/monitoring", R"({"enabled": false})").status, 403);
  // Nothing changed.
  const auto items = api.call("viewer", "GET", "/api/v1/schedules").json()["items"];
  EXPECT_EQ(items[0]["cron"], "@hourly");
  EXPECT_EQ(items[0]["enabled"], true);
}

}  // namespace
}  // namespace churnwatch
