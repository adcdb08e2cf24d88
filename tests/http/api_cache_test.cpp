// The cached reads through the real server: a second identical read is a hit,
// and every change — customer create, update, delete, bulk, import, scoring,
// monitoring, promotion and rollback — is visible in the very next read.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <sstream>
#include <thread>

#include "core/metrics.hpp"
#include "http/api_harness.hpp"

namespace churnwatch {
namespace {

using nlohmann::json;
using test_support::ApiHarness;

double cache_count(const std::string& cache, const std::string& outcome) {
  return core::default_metrics()
      .counter("churnwatch_cache_requests_total",
               "Cache lookups by cache (prediction, customers, risk_summary) "
               "and outcome (hit, miss, bypass: cache "
               "unavailable).",
               {"cache", "outcome"})
      .with({cache, outcome})
      .value();
}

// Accounts whose churn follows plan and tenure, enough to train on.
std::string accounts_csv(int rows) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> u(0, 1);
  std::ostringstream out;
  out << "account,plan,tenure,calls,churned\n";
  for (int i = 1; i <= rows; ++i) {
    const int plan = static_cast<int>(u(rng) * 3), tenure = 1 + static_cast<int>(u(rng) * 60);
    const int calls = static_cast<int>(u(rng) * 8);
    const bool churn = u(rng) < 1 / (1 + std::exp(-(0.5 * calls - 0.05 * tenure + (plan == 0 ? 1 : -0.5))));
    out << "acc-" << i << ','
        << (plan == 0   ? "basic"
            : plan == 1 ? "plus"
                        : "premium")
        << ',' << tenure << ',' << calls << ',' << (churn ? 1 : 0) << '\n';
  }
  return out.str();
}

class ApiCacheTest : public ::testing::Test {
 protected:
  json get(const std::string& target) {
    auto r = api_.call("viewer", "GET", target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return r.json();
  }
  json send(const std::string& method, const std::string& target, const json& body, int expect,
            const std::string& role = "analyst") {
    auto r = api_.call(role, method, target, body.is_null() ? "" : body.dump());
    EXPECT_EQ(r.status, expect) << method << ' ' << target << ": " << r.body;
    return r.body.empty() ? json() : r.json();
  }
  // Starts a job (training, scoring) and waits for it to succeed.
  json run_job(const std::string& target, const json& body) {
    auto r = api_.call("analyst", "POST", target, body.is_null() ? "" : body.dump());
    EXPECT_EQ(r.status, 202) << target << ": " << r.body;
    if (r.status != 202) return json();
    json job;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline) {
      job = get(r.header("location"));
      const std::string state = job.value("state", "");
      if (state != "queued" && state != "running") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(job.value("state", ""), "succeeded") << job.dump();
    return job.value("result", json());
  }
  ApiHarness api_;
};

TEST_F(ApiCacheTest, CustomerPagesAreCachedAndEveryChangeIsSeenAtOnce) {
  ASSERT_EQ(api_.import_fixture("bank_sample.csv").status, 200);
  const auto total = get("/api/v1/customers?limit=5")["total"].get<int>();
  ASSERT_GT(total, 5);

  // The same page asked again, with its parameters in another order, is a hit.
  get("/api/v1/customers?limit=5&sort=-Age");
  const double hits = cache_count("customers", "hit");
  const auto page = get("/api/v1/customers?sort=-Age&limit=5");
  EXPECT_EQ(cache_count("customers", "hit"), hits + 1);
  EXPECT_EQ(page, get("/api/v1/customers?limit=5&sort=-Age"));

  const auto oldest = page["items"][0];
  const std::string id = oldest["id"];
  // Update: the changed value is in the next page read.
  send("PATCH", "/api/v1/customers/" + id, {{"attributes", {{"Age", 99}}}}, 200);
  auto after = get("/api/v1/customers?sort=-Age&limit=5");
  EXPECT_EQ(after["items"][0]["id"], id);
  EXPECT_EQ(after["items"][0]["attributes"]["Age"], 99);

  // Delete.
  send("DELETE", "/api/v1/customers/" + id, json(), 204);
  EXPECT_EQ(get("/api/v1/customers?limit=5")["total"], total - 1);
  EXPECT_NE(get("/api/v1/customers?sort=-Age&limit=5")["items"][0]["id"], id);

  // Create.
  auto created = oldest["attributes"];
  created["CustomerId"] = 99999999;
  created["Age"] = 100;
  send("POST", "/api/v1/customers", {{"attributes", created}}, 201);
  EXPECT_EQ(get("/api/v1/customers?limit=5")["total"], total);
  EXPECT_EQ(get("/api/v1/customers?sort=-Age&limit=5")["items"][0]["attributes"]["Age"], 100);

  // Bulk.
  send("POST", "/api/v1/customers/bulk", {{"delete", {"99999999"}}}, 200);
  EXPECT_EQ(get("/api/v1/customers?limit=5")["total"], total - 1);

  // Import (upsert) brings the deleted customer back.
  ASSERT_EQ(api_.import_fixture("bank_sample.csv", "upsert").status, 200);
  EXPECT_EQ(get("/api/v1/customers?limit=5")["total"], total);
  EXPECT_NE(get("/api/v1/customers?sort=-Age&limit=5")["items"][0]["attributes"]["Age"], 100);
}

TEST_F(ApiCacheTest, ScoringPromotionAndRollbackAreSeenAtOnce) {
  ASSERT_EQ(api_.call("analyst", "POST", "/api/v1/customers/import", accounts_csv(300), "text/csv").status,
            200);
  run_job("/api/v1/models/train", {{"search_budget", 1}, {"seed", 1}});

  // The summary before and after a scoring run: the run shows at once.
  EXPECT_EQ(get("/api/v1/risk/summary")["scored"], 0);
  EXPECT_EQ(get("/api/v1/risk/summary")["scored"], 0);  // a hit
  EXPECT_EQ(get("/api/v1/customers?risk[gte]=0&limit=1")["total"], 0);
  run_job("/api/v1/scoring/run", json());
  // Every active customer (departed ones are not scored).
  const auto active = get("/api/v1/customers?status=active&limit=1")["total"].get<std::int64_t>();
  ASSERT_GT(active, 100);
  EXPECT_EQ(get("/api/v1/risk/summary")["scored"], active);
  EXPECT_EQ(get("/api/v1/customers?risk[gte]=0&limit=1")["total"], active);

  // One stored score changes the customer's history and the page.
  const auto id = get("/api/v1/customers?status=active&limit=1")["items"][0]["id"].get<std::string>();
  auto scored = send("POST", "/api/v1/predict", {{"customer_id", id}}, 200, "viewer");
  json listed;
  const auto found = get("/api/v1/customers?q=" + id + "&limit=1000");
  for (const auto& c : found["items"])
    if (c["id"] == id) listed = c;
  EXPECT_EQ(listed["risk"]["probability"], scored["probability"]) << id << " not in its search";

  // What-if predictions: the second ask (attributes in another order) is a hit
  // and answers the same.
  const json a = {{"attributes", {{"plan", "basic"}, {"tenure", 3}, {"calls", 6}}}};
  const json b = {{"attributes", {{"calls", 6}, {"tenure", 3}, {"plan", "basic"}}}};
  const auto first = send("POST", "/api/v1/predict", a, 200, "viewer");
  const double hits = cache_count("prediction", "hit");
  EXPECT_EQ(send("POST", "/api/v1/predict", b, 200, "viewer"), first);
  EXPECT_EQ(cache_count("prediction", "hit"), hits + 1);
  EXPECT_EQ(first["model_version"], 1);

  // A second model, promoted: the same question is answered by it; rolled
  // back: by the first again, with the first's answer.
  run_job("/api/v1/models/train", {{"algorithm", "logistic"}, {"search_budget", 1}, {"auto_promote", false}});
  send("POST", "/api/v1/models/2/promote", json(), 200);
  const auto second = send("POST", "/api/v1/predict", a, 200, "viewer");
  EXPECT_EQ(second["model_version"], 2);
  EXPECT_NE(second["probability"], first["probability"]);
  send("POST", "/api/v1/models/1/promote", json(), 200);
  EXPECT_EQ(send("POST", "/api/v1/predict", a, 200, "viewer"), first);

  // A monitoring run scores every customer again: its history rows are in
  // the next summary (the daily score count grows by one per customer).
  auto daily_scores = [&] {
    const auto summary = get("/api/v1/risk/summary");
    std::int64_t n = 0;
    for (const auto& d : summary["daily"]) n += d["scores"].get<std::int64_t>();
    return n;
  };
  const auto before = daily_scores();
  EXPECT_EQ(daily_scores(), before);  // a hit
  run_job("/api/v1/monitoring/run", json());
  EXPECT_EQ(daily_scores(), before + active);
}

}  // namespace
}  // namespace churnwatch
