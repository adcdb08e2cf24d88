// Alert rules over HTTP: create with the minimal body, masking of the webhook
// token everywhere, validation naming each field, changes, deletion, roles.
#include <gtest/gtest.h>

#include "alerts/discord_standin.hpp"
#include "http/api_harness.hpp"

namespace churnwatch {
namespace {

using test_support::ApiHarness;

const std::string kToken = "sEcReT-token_0123456789abcdefWXYZ";
const std::string kWebhook =
    "https://discord.com/api/webhooks/123456789012345678/" + kToken;

class ApiAlertRulesTest : public ::testing::Test {
protected:
  ApiHarness api_;

  nlohmann::json create_minimal(const std::string &role = "analyst") {
    auto r = api_.call(role, "POST", "/api/v1/alerts/rules",
                       nlohmann::json{{"name", "high risk"},
                                      {"kind", "high_risk"},
                                      {"threshold", 0.7},
                                      {"webhook_url", kWebhook}}
                           .dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }
};

TEST_F(ApiAlertRulesTest, MinimalBodyCreatesAnEnabledRuleWithTheTokenMasked) {
  auto r = api_.call("analyst", "POST", "/api/v1/alerts/rules",
                     nlohmann::json{{"name", "high risk"},
                                    {"kind", "high_risk"},
                                    {"threshold", 0.7},
                                    {"webhook_url", kWebhook}}
                         .dump());
  ASSERT_EQ(r.status, 201) << r.body;
  auto rule = r.json();
  EXPECT_EQ(r.header("Location"),
            "/api/v1/alerts/rules/" + std::to_string(rule["id"].get<int>()));
  EXPECT_EQ(rule["name"], "high risk");
  EXPECT_EQ(rule["kind"], "high_risk");
  EXPECT_EQ(rule["threshold"], 0.7);
  EXPECT_EQ(rule["enabled"], true);
  EXPECT_EQ(rule["min_severity"], "info");
  EXPECT_EQ(rule["cooldown_seconds"], 86400);
  EXPECT_EQ(rule["created_by"], "analyst-user");
  EXPECT_EQ(r.body.find(kToken), std::string::npos)
      << "a response shows the webhook token";
  EXPECT_NE(rule["webhook_url"].get<std::string>().find("WXYZ"),
            std::string::npos);

  // Nowhere else either: the list, the single rule, and the database itself.
  for (const std::string &target :
       {std::string("/api/v1/alerts/rules"),
        "/api/v1/alerts/rules/" + std::to_string(rule["id"].get<int>())}) {
    auto got = api_.call("viewer", "GET", target);
    ASSERT_EQ(got.status, 200) << target;
    EXPECT_EQ(got.body.find(kToken), std::string::npos) << target;
  }
  auto stored = api_.store().find_alert_rule(rule["id"]);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->webhook_sealed.find(kToken), std::string::npos)
      << "stored in clear";
  EXPECT_EQ(api_.secret_box().open(stored->webhook_sealed), kWebhook);
  EXPECT_EQ(api_.alert_rules().webhook(*stored).token, kToken);
}

TEST_F(ApiAlertRulesTest, BadRulesAreRefusedNamingEachField) {
  auto r = api_.call(
      "analyst", "POST", "/api/v1/alerts/rules",
      nlohmann::json{
          {"name", "x"},
          {"kind", "high_risk"},
          {"threshold", 1.5},
          {"min_severity", "loud"},
          {"cooldown_seconds", -1},
          {"min_points", 5},
          {"webhook_url", "https://evil.example/api/webhooks/1/" + kToken}}
          .dump());
  ASSERT_EQ(r.status, 422) << r.body;
  std::set<std::string> fields;
  const auto problem = r.json();
  for (const auto &e : problem["errors"])
    fields.insert(e["field"].get<std::string>());
  EXPECT_EQ(fields, (std::set<std::string>{"threshold", "min_severity",
                                           "cooldown_seconds", "min_points",
                                           "webhook_url"}));
  EXPECT_EQ(r.body.find(kToken), std::string::npos);

  auto missing = api_.call("analyst", "POST", "/api/v1/alerts/rules",
                           R"({"kind":"risk_increase"})");
  ASSERT_EQ(missing.status, 422);
  fields.clear();
  const auto missing_problem = missing.json();
  for (const auto &e : missing_problem["errors"])
    fields.insert(e["field"].get<std::string>());
  EXPECT_EQ(fields,
            (std::set<std::string>{"name", "min_points", "webhook_url"}));

  auto unknown_kind = api_.call("analyst", "POST", "/api/v1/alerts/rules",
                                nlohmann::json{{"name", "n"},
                                               {"kind", "moon_phase"},
                                               {"webhook_url", kWebhook}}
                                    .dump());
  ASSERT_EQ(unknown_kind.status, 422);
  EXPECT_EQ(unknown_kind.json()["errors"][0]["field"], "kind");
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/alerts/rules").json()["total"],
            0);
}

TEST_F(ApiAlertRulesTest, CustomerFilterIsCheckedAgainstTheSchema) {
  ASSERT_EQ(api_.import_fixture("bank_sample.csv").status, 200);
  auto bad = api_.call("analyst", "POST", "/api/v1/alerts/rules",
                       nlohmann::json{{"name", "fr"},
                                      {"kind", "high_risk"},
                                      {"threshold", 0.5},
                                      {"webhook_url", kWebhook},
                                      {"customer_filter", {{"Planet", "Mars"}}}}
                           .dump());
  ASSERT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(bad.json()["errors"][0]["field"].get<std::string>().rfind(
                "customer_filter.", 0),
            0u)
      << bad.body;
  auto good =
      api_.call("analyst", "POST", "/api/v1/alerts/rules",
                nlohmann::json{{"name", "fr"},
                               {"kind", "high_risk"},
                               {"threshold", 0.5},
                               {"webhook_url", kWebhook},
                               {"customer_filter",
                                {{"Geography", "France"}, {"Age[gte]", 40}}}}
                    .dump());
  ASSERT_EQ(good.status, 201) << good.body;
  EXPECT_EQ(good.json()["customer_filter"]["Age[gte]"], "40");
}

TEST_F(ApiAlertRulesTest, RulesAreChangedAndDeletedAndNamesStayUnique) {
  auto rule = create_minimal();
  const std::string path =
      "/api/v1/alerts/rules/" + std::to_string(rule["id"].get<int>());
  auto dup = api_.call("analyst", "POST", "/api/v1/alerts/rules",
                       nlohmann::json{{"name", "high risk"},
                                      {"kind", "level_up"},
                                      {"webhook_url", kWebhook}}
                           .dump());
  EXPECT_EQ(dup.status, 409) << dup.body;

  auto patched = api_.call(
      "admin", "PATCH", path,
      R"({"enabled": false, "threshold": 0.8, "min_severity": "critical"})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.json()["enabled"], false);
  EXPECT_EQ(patched.json()["threshold"], 0.8);
  EXPECT_EQ(patched.json()["webhook_url"],
            rule["webhook_url"]); // kept when not given
  // Changing the kind needs the new kind's settings.
  auto rekind =
      api_.call("analyst", "PATCH", path, R"({"kind": "risk_increase"})");
  EXPECT_EQ(rekind.status, 422);
  auto rekind_ok = api_.call("analyst", "PATCH", path,
                             R"({"kind": "risk_increase", "min_points": 10})");
  ASSERT_EQ(rekind_ok.status, 200) << rekind_ok.body;
  EXPECT_FALSE(rekind_ok.json().contains("threshold"));

  EXPECT_EQ(api_.call("viewer", "PATCH", path, R"({"enabled": true})").status,
            403);
  EXPECT_EQ(api_.call("viewer", "DELETE", path).status, 403);
  EXPECT_EQ(api_.call("analyst", "DELETE", path).status, 204);
  EXPECT_EQ(api_.call("viewer", "GET", path).status, 404);
  EXPECT_EQ(api_.call("analyst", "DELETE", path).status, 404);
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/alerts/rules/abc").status, 404);
}

TEST_F(ApiAlertRulesTest, ViewersReadButCannotCreate) {
  EXPECT_EQ(api_.call("viewer", "POST", "/api/v1/alerts/rules",
                      nlohmann::json{{"name", "n"},
                                     {"kind", "level_up"},
                                     {"webhook_url", kWebhook}}
                          .dump())
                .status,
            403);
  EXPECT_EQ(api_.call("", "GET", "/api/v1/alerts/rules").status, 401);
  create_minimal("admin");
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/alerts/rules").json()["total"],
            1);
}

TEST_F(ApiAlertRulesTest, TestMessageIsPostedToTheRulesWebhook) {
  alerts::testing::DiscordStandin standin;
  auto created = api_.call("analyst", "POST", "/api/v1/alerts/rules",
                           nlohmann::json{{"name", "to standin"},
                                          {"kind", "level_up"},
                                          {"webhook_url", standin.url()}}
                               .dump());
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string path = "/api/v1/alerts/rules/" +
                           std::to_string(created.json()["id"].get<int>()) +
                           "/test";
  EXPECT_EQ(api_.call("viewer", "POST", path).status, 403);
  auto r = api_.call("analyst", "POST", path);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["delivered"], true);
  ASSERT_EQ(standin.received().size(), 1u);
  EXPECT_EQ(r.body.find(alerts::testing::DiscordStandin::kDefaultToken),
            std::string::npos);

  standin.fail_next(1, alerts::testing::DiscordStandin::Fault::k404);
  auto gone = api_.call("admin", "POST", path);
  ASSERT_EQ(gone.status, 200);
  EXPECT_EQ(gone.json()["delivered"], false);
  EXPECT_EQ(gone.json()["state"], "failed");
  EXPECT_EQ(gone.json()["http_status"], 404);
  EXPECT_EQ(
      api_.call("analyst", "POST", "/api/v1/alerts/rules/999/test").status,
      404);
}

TEST_F(ApiAlertRulesTest, EventsAreFilteredAndPagedAndCounted) {
  auto rule = create_minimal();
  std::vector<storage::AlertEvent> events;
  for (int i = 0; i < 3; ++i) {
    storage::AlertEvent e;
    e.rule_id = rule["id"];
    e.customer_id = "C" + std::to_string(i);
    e.kind = "customer";
    e.severity = i == 0 ? "critical" : "warning";
    e.dedup_key = "k" + std::to_string(i);
    e.created_at = "2026-01-0" + std::to_string(i + 1) + "T10:00:00.000Z";
    events.push_back(e);
  }
  api_.store().enqueue_alert_events(events);
  auto all = api_.call("viewer", "GET", "/api/v1/alerts/events?limit=2");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(all.json()["total"], 3);
  EXPECT_EQ(all.json()["items"].size(), 2u);
  EXPECT_EQ(all.json()["items"][0]["customer_id"], "C2");
  EXPECT_EQ(all.json()["items"][0]["state"], "pending");
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/alerts/events?customer_id=C1")
                .json()["total"],
            1);
  EXPECT_EQ(api_.call("viewer", "GET",
                      "/api/v1/alerts/events?since=2026-01-02&until=2026-01-03")
                .json()["total"],
            1);
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/alerts/events?state=delivered")
                .json()["total"],
            0);
  EXPECT_EQ(api_.call("viewer", "GET",
                      "/api/v1/alerts/events?rule_id=" +
                          std::to_string(rule["id"].get<int>()))
                .json()["total"],
            3);
  auto bad =
      api_.call("viewer", "GET",
                "/api/v1/alerts/events?state=lost&since=yesterday&limit=0");
  ASSERT_EQ(bad.status, 422);
  std::set<std::string> fields;
  const auto problem = bad.json();
  for (const auto &e : problem["errors"])
    fields.insert(e["field"].get<std::string>());
  EXPECT_EQ(fields, (std::set<std::string>{"state", "since", "limit"}));

  auto stats = api_.call("viewer", "GET", "/api/v1/alerts/stats");
  ASSERT_EQ(stats.status, 200);
  EXPECT_EQ(stats.json()["total"], 3);
  EXPECT_EQ(stats.json()["by_state"]["pending"], 3);
  EXPECT_EQ(stats.json()["by_severity"]["critical"], 1);
  EXPECT_EQ(stats.json()["by_rule"][0]["events"], 3);
  EXPECT_EQ(api_.call("", "GET", "/api/v1/alerts/stats").status, 401);
}

TEST_F(ApiAlertRulesTest, MonitoringRunStartsAJob) {
  EXPECT_EQ(api_.call("viewer", "POST", "/api/v1/monitoring/run").status, 403);
  auto r = api_.call("analyst", "POST", "/api/v1/monitoring/run");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.json()["kind"], "monitor");
  EXPECT_EQ(r.header("Location"),
            "/api/v1/jobs/" + r.json()["id"].get<std::string>());
  auto job = api_.call("viewer", "GET", r.header("Location"));
  EXPECT_EQ(job.status, 200);
}

} // namespace
} // namespace churnwatch
