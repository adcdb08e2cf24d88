// Models, predictions and risk through the real server, on a customer table
// shaped unlike the bank demo: text categories, a yes/no label, missing
// numbers, text ids like "cust-00042". Nothing in the code knows its columns.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <cmath>
#include <random>
#include <sstream>

#include "http/api_harness.hpp"

namespace churnwatch {
namespace {

using nlohmann::json;
using test_support::ApiHarness;

// Subscribers of a made-up service: month-to-month contracts, many support
// calls, short tenure and high fees churn; two-year contracts stay.
std::string subscriber_csv(int rows, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  const char* plans[] = {"basic", "plus", "premium"};
  const char* contracts[] = {"month-to-month", "one-year", "two-year"};
  std::ostringstream out;
  out << "subscriber,plan,contract,tenure_months,monthly_fee,support_calls,paperless,Churn\n";
  for (int i = 1; i <= rows; ++i) {
    const int plan = static_cast<int>(u(rng) * 3), contract = static_cast<int>(u(rng) * 3);
    const int tenure = 1 + static_cast<int>(u(rng) * 72);
    const double fee = 20 + 15 * plan + u(rng) * 40;
    const int calls = static_cast<int>(u(rng) * u(rng) * 9);
    const bool paperless = u(rng) < 0.5;
    const double logit = -1.0 + (contract == 0 ? 1.6 : contract == 1 ? 0 : -1.6) + 0.45 * calls -
                         0.035 * tenure + 0.02 * (fee - 50);
    const bool churn = u(rng) < 1 / (1 + std::exp(-logit));
    char id[32];
    std::snprintf(id, sizeof id, "cust-%05d", i);
    out << id << ',' << plans[plan] << ',' << contracts[contract] << ',';
    if (u(rng) > 0.08) out << tenure;  // some tenures unknown
    out << ',';
    if (u(rng) > 0.05) out << fee;
    out << ',' << calls << ',' << (paperless ? "yes" : "no") << ',' << (churn ? "Yes" : "No") << '\n';
  }
  return out.str();
}

class ApiModelsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = api_.call("analyst", "POST", "/api/v1/customers/import", subscriber_csv(500, 5), "text/csv");
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(r.json()["created"], 500);
  }
  json post(const std::string& role, const std::string& target, const json& body, int expect) {
    auto r = api_.call(role, "POST", target, body.is_null() ? "" : body.dump());
    EXPECT_EQ(r.status, expect) << target << ": " << r.body;
    return r.body.empty() ? json() : r.json();
  }
  // Starts a job through `target` (202 + Location), waits for it (60 s at
  // most) and returns the finished job.
  json run_job(const std::string& role, const std::string& target, const json& body,
               const std::string& idempotency_key = "") {
    test_support::TestClient c(api_.port());
    test_support::Headers h{{"Authorization", "Bearer " + api_.token(role)}, {"Content-Type", "application/json"}};
    if (!idempotency_key.empty()) h.emplace_back("Idempotency-Key", idempotency_key);
    auto r = c.request("POST", target, body.is_null() ? "" : body.dump(), h);
    EXPECT_EQ(r.status, 202) << target << ": " << r.body;
    if (r.status != 202) return json();
    EXPECT_EQ(r.header("location"), "/api/v1/jobs/" + r.json()["id"].get<std::string>());
    return wait_job(r.header("location"));
  }
  json wait_job(const std::string& location) {
    json job;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      job = get(location);
      const std::string state = job.value("state", "");
      if (state != "queued" && state != "running") return job;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "job did not finish: " << job.dump();
    return job;
  }
  // A job's result once it succeeded.
  json job_result(const std::string& role, const std::string& target, const json& body) {
    auto job = run_job(role, target, body);
    EXPECT_EQ(job.value("state", ""), "succeeded") << job.dump();
    return job.value("result", json());
  }
  json get(const std::string& target, const std::string& role = "viewer") {
    auto r = api_.call(role, "GET", target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return r.json();
  }
  ApiHarness api_;
};

TEST_F(ApiModelsTest, NoModelYetIsAClearProblem) {
  auto r = api_.call("viewer", "POST", "/api/v1/predict", R"({"attributes": {"plan": "basic"}})");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/problem+json");
  EXPECT_NE(r.json()["detail"].get<std::string>().find("no production model: train one first"), std::string::npos);
  EXPECT_EQ(get("/api/v1/models")["items"].size(), 0u);
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/models/1").status, 404);
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/models/abc").status, 404);
}

TEST_F(ApiModelsTest, RolesGuardTrainingPromotionAndScoring) {
  EXPECT_EQ(api_.call("viewer", "POST", "/api/v1/models/train", "{}").status, 403);
  EXPECT_EQ(api_.call("viewer", "POST", "/api/v1/models/1/promote").status, 403);
  EXPECT_EQ(api_.call("viewer", "POST", "/api/v1/scoring/run").status, 403);
  EXPECT_EQ(api_.call("", "GET", "/api/v1/risk/summary").status, 401);
  auto bad = api_.call("analyst", "POST", "/api/v1/models/train", R"({"algorithm": "svm", "search_budget": 0})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["errors"].size(), 2u);
}

TEST_F(ApiModelsTest, TrainPredictScoreAndReadRiskOnAnUnfamiliarTable) {
  auto trained = job_result("analyst", "/api/v1/models/train", {{"search_budget", 1}, {"seed", 3}});
  ASSERT_TRUE(trained.is_object());
  EXPECT_TRUE(trained["promoted"].get<bool>());
  EXPECT_EQ(trained["model"]["version"], 1);
  EXPECT_EQ(trained["model"]["stage"], "production");

  auto list = get("/api/v1/models");
  ASSERT_EQ(list["items"].size(), 1u);
  auto model = get("/api/v1/models/1");
  const auto& test = model["metrics"]["test"];
  for (const char* name : {"roc_auc", "pr_auc", "f1", "precision", "recall", "accuracy", "log_loss", "brier"})
    EXPECT_TRUE(test.contains(name)) << name;
  EXPECT_GE(test["roc_auc"].get<double>(), 0.70) << test.dump();
  EXPECT_EQ(test["rows"], 100);
  EXPECT_FALSE(model["details"]["roc_curve"].empty());
  EXPECT_FALSE(model["details"]["importance"].empty());
  EXPECT_TRUE(model["params"].contains("algorithm"));

  // What-if: not stored.
  auto risky = post("viewer", "/api/v1/predict",
                    {{"attributes", {{"contract", "month-to-month"}, {"support_calls", 8}, {"tenure_months", 2},
                                     {"plan", "premium"}, {"paperless", true}}}},
                    200);
  auto safe = post("viewer", "/api/v1/predict",
                   {{"attributes", {{"contract", "two-year"}, {"support_calls", 0}, {"tenure_months", 70}}}}, 200);
  EXPECT_GT(risky["probability"].get<double>(), safe["probability"].get<double>());
  EXPECT_EQ(risky["model_version"], 1);
  EXPECT_FALSE(risky["stored"].get<bool>());
  ASSERT_FALSE(risky["reasons"].empty());
  EXPECT_TRUE(risky["reasons"][0].contains("attribute"));
  EXPECT_TRUE(risky["risk_level"].is_string());
  EXPECT_EQ(get("/api/v1/customers/cust-00042/risk-history")["items"].size(), 0u);
  auto unknown = api_.call("viewer", "POST", "/api/v1/predict", R"({"attributes": {"favourite_colour": "red"}})");
  EXPECT_EQ(unknown.status, 422);
  EXPECT_EQ(unknown.json()["errors"][0]["field"], "attributes.favourite_colour");
  EXPECT_EQ(api_.call("viewer", "POST", "/api/v1/predict", R"({"customer_id": "cust-99999"})").status, 404);
  EXPECT_EQ(api_.call("viewer", "POST", "/api/v1/predict", R"({})").status, 422);

  // Stored: one history row.
  auto stored = post("viewer", "/api/v1/predict", {{"customer_id", "cust-00042"}}, 200);
  EXPECT_TRUE(stored["stored"].get<bool>());
  EXPECT_EQ(stored["customer_id"], "cust-00042");
  EXPECT_EQ(get("/api/v1/customers/cust-00042/risk-history")["items"].size(), 1u);

  // Batch: filtered, then everyone.
  // Only active customers: those whose label does not say they left.
  auto some = job_result("analyst", "/api/v1/scoring/run?contract=two-year", json());
  EXPECT_GT(some["scored"].get<int>(), 50);
  EXPECT_EQ(some["scored"], get("/api/v1/customers?contract=two-year&status=active&limit=1")["total"]);
  auto all = job_result("analyst", "/api/v1/scoring/run", json());
  const int active = get("/api/v1/customers?status=active&limit=1")["total"].get<int>();
  EXPECT_LT(active, 500);
  EXPECT_EQ(all["scored"], active);
  int sum = 0;
  for (const auto& [level, n] : all["by_level"].items()) sum += n.get<int>();
  EXPECT_EQ(sum, active);

  // Stored once, then in the full run (and in the filtered one when on a two-year contract).
  auto history = get("/api/v1/customers/cust-00042/risk-history");
  const auto contract = get("/api/v1/customers/cust-00042")["attributes"]["contract"];
  ASSERT_EQ(history["items"].size(), contract == "two-year" ? 3u : 2u);
  EXPECT_DOUBLE_EQ(history["items"][0]["previous_probability"].get<double>(),
                   history["items"][1]["probability"].get<double>());
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/customers/cust-99999/risk-history").status, 404);

  auto summary = get("/api/v1/risk/summary?limit=5&days=7");
  EXPECT_EQ(summary["scored"], active);
  EXPECT_EQ(summary["high_risk_threshold"], 0.7);
  EXPECT_EQ(summary["levels"].size(), 5u);
  EXPECT_LE(summary["high_risk"].size(), 5u);
  for (const auto& r : summary["high_risk"]) EXPECT_GE(r["probability"].get<double>(), 0.7);
  ASSERT_EQ(summary["daily"].size(), 1u);
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/risk/summary?days=0").status, 422);

  // Customers carry their risk, sort and filter by it.
  auto by_risk = get("/api/v1/customers?sort=-risk&limit=20");
  ASSERT_EQ(by_risk["items"].size(), 20u);
  double last = 2;
  for (const auto& c : by_risk["items"]) {
    ASSERT_TRUE(c["risk"].is_object()) << c.dump();
    const double p = c["risk"]["probability"];
    EXPECT_LE(p, last);
    last = p;
  }
  auto high = get("/api/v1/customers?risk[gte]=0.5&limit=1000");
  for (const auto& c : high["items"]) EXPECT_GE(c["risk"]["probability"].get<double>(), 0.5);
  const auto level = by_risk["items"][0]["risk"]["risk_level"].get<std::string>();
  auto same_level = get("/api/v1/customers?risk_level=" + level + "&limit=1000");
  EXPECT_GE(same_level["total"].get<int>(), 1);
  for (const auto& c : same_level["items"]) EXPECT_EQ(c["risk"]["risk_level"], level);

  // A second model kept as candidate, promoted, rolled back.
  auto second = job_result("analyst", "/api/v1/models/train",
                           {{"algorithm", "logistic"}, {"search_budget", 1}, {"auto_promote", false}});
  EXPECT_FALSE(second["promoted"].get<bool>());
  EXPECT_EQ(second["model"]["stage"], "candidate");
  auto promoted = post("analyst", "/api/v1/models/2/promote", json(), 200);
  EXPECT_EQ(promoted["stage"], "production");
  EXPECT_EQ(post("viewer", "/api/v1/predict", {{"attributes", json::object()}}, 200)["model_version"], 2);
  post("analyst", "/api/v1/models/1/promote", json(), 200);
  EXPECT_EQ(post("viewer", "/api/v1/predict", {{"attributes", json::object()}}, 200)["model_version"], 1);
  EXPECT_EQ(get("/api/v1/models/2")["stage"], "archived");
}

TEST_F(ApiModelsTest, TrainingAndScoringJobsReportProgressAndHonourIdempotencyKeys) {
  EXPECT_EQ(api_.call("analyst", "POST", "/api/v1/scoring/run").status, 409) << "no production model yet";
  auto job = run_job("analyst", "/api/v1/models/train", {{"search_budget", 2}, {"seed", 4}}, "train-once");
  EXPECT_EQ(job["kind"], "train");
  EXPECT_EQ(job["state"], "succeeded") << job.dump();
  EXPECT_EQ(job["progress"], 1.0);
  EXPECT_EQ(job["created_by"], "analyst-user");
  EXPECT_EQ(job["result"]["model"]["version"], 1);
  EXPECT_TRUE(job["result"]["run_id"].is_string());

  // The same key again: the first job, not a second training.
  auto again = api_.call("analyst", "POST", "/api/v1/models/train", R"({"search_budget": 2})");
  ASSERT_EQ(again.status, 202);
  test_support::TestClient c(api_.port());
  auto repeat = c.request("POST", "/api/v1/models/train", R"({"search_budget": 2, "seed": 4})",
                          {{"Authorization", "Bearer " + api_.token("analyst")},
                           {"Content-Type", "application/json"},
                           {"Idempotency-Key", "train-once"}});
  ASSERT_EQ(repeat.status, 202) << repeat.body;
  EXPECT_EQ(repeat.json()["id"], job["id"]);
  wait_job("/api/v1/jobs/" + again.json()["id"].get<std::string>());
  EXPECT_EQ(get("/api/v1/models")["items"].size(), 2u) << "two trainings, two versions";

  auto scored = run_job("analyst", "/api/v1/scoring/run?plan=basic", json(), "score-basic");
  EXPECT_EQ(scored["kind"], "score");
  EXPECT_EQ(scored["state"], "succeeded") << scored.dump();
  EXPECT_GT(scored["result"]["scored"].get<int>(), 0);
  EXPECT_EQ(scored["payload"]["filters"][0], json::array({"plan", "basic"}));
  auto bad = api_.call("analyst", "POST", "/api/v1/scoring/run?favourite_colour=red");
  EXPECT_EQ(bad.status, 422) << bad.body;
}

TEST_F(ApiModelsTest, ARetrainingTickOfTheSchedulerTrainsWithTheDefaults) {
  // The scheduler enqueues "train" with the schedule and tick it stands for.
  auto job = api_.jobs().enqueue("train", {{"schedule", "retraining"}, {"scheduled_for", "2026-11-30T00:00:00Z"}},
                                 {.created_by = "scheduler"});
  auto done = wait_job("/api/v1/jobs/" + job.id);
  EXPECT_EQ(done["state"], "succeeded") << done.dump();
  EXPECT_EQ(done["result"]["model"]["version"], 1);
  EXPECT_EQ(done["result"]["model"]["params"]["search_budget"], 6);
}

TEST_F(ApiModelsTest, CancellingATrainingJobLeavesNoModel) {
  auto r = api_.call("analyst", "POST", "/api/v1/models/train", R"({"search_budget": 50})");
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string location = r.header("location");
  json job;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  do {  // wait until the search is under way
    job = get(location);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (job["state"] != "running" && std::chrono::steady_clock::now() < deadline);
  ASSERT_EQ(job["state"], "running") << job.dump();
  EXPECT_EQ(api_.call("analyst", "POST", location + "/cancel").status, 202);
  job = wait_job(location);
  EXPECT_EQ(job["state"], "cancelled") << job.dump();
  EXPECT_EQ(get("/api/v1/models")["items"].size(), 0u);
  // The tracking run of the cancelled training is not left RUNNING.
  auto runs = get("/api/v1/runs");
  ASSERT_EQ(runs["items"].size(), 1u) << runs.dump();
  EXPECT_EQ(runs["items"][0]["status"], "FAILED");
  EXPECT_TRUE(runs["items"][0]["model_version"].is_null());
}

TEST_F(ApiModelsTest, RunsListAndDetailReadBackWhatTrainingRecorded) {
  EXPECT_EQ(get("/api/v1/runs")["items"].size(), 0u);
  auto first = job_result("analyst", "/api/v1/models/train", {{"search_budget", 2}, {"seed", 5}});
  auto second = job_result("analyst", "/api/v1/models/train", {{"algorithm", "logistic"}, {"search_budget", 1}});
  auto runs = get("/api/v1/runs");
  ASSERT_EQ(runs["items"].size(), 2u);
  EXPECT_FALSE(runs["has_more"].get<bool>());
  EXPECT_EQ(runs["items"][0]["model_version"], 2) << "newest first";
  EXPECT_EQ(runs["items"][1]["model_version"], 1);
  EXPECT_EQ(runs["items"][0]["id"], second["run_id"]);
  EXPECT_EQ(runs["items"][0]["params"]["algorithm"], "logistic");
  EXPECT_EQ(runs["items"][0]["status"], "FINISHED");
  auto page = get("/api/v1/runs?limit=1&offset=1");
  ASSERT_EQ(page["items"].size(), 1u);
  EXPECT_EQ(page["items"][0]["id"], first["run_id"]);
  EXPECT_FALSE(page["has_more"].get<bool>());
  EXPECT_TRUE(get("/api/v1/runs?limit=1")["has_more"].get<bool>());
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/runs?limit=0").status, 422);

  auto run = get("/api/v1/runs/" + first["run_id"].get<std::string>());
  EXPECT_EQ(run["model_version"], 1);
  EXPECT_EQ(run["source"].get<std::string>().rfind("job:", 0), 0u);
  EXPECT_EQ(run["params"]["search_budget"], "2");
  EXPECT_EQ(run["params"]["seed"], "5");
  EXPECT_EQ(run["tags"]["churnwatch.schema_version"], "1");
  EXPECT_EQ(run["tags"]["churnwatch.data_hash"], get("/api/v1/models/1")["training_data_hash"]);
  EXPECT_DOUBLE_EQ(run["metrics"]["test_roc_auc"].get<double>(),
                   get("/api/v1/models/1")["metrics"]["test"]["roc_auc"].get<double>());
  const auto& rounds = run["metric_history"]["validation_auc"];
  EXPECT_GT(rounds.size(), 5u) << "one value per boosting round";
  for (std::size_t i = 0; i < rounds.size(); ++i) EXPECT_EQ(rounds[i]["step"], i);
  ASSERT_EQ(run["metric_history"]["cv_auc"].size(), 3u) << "one value per CV fold";
  EXPECT_EQ(run["metric_history"]["search_cv_auc"].size(), 2u) << "one value per candidate";
  std::vector<std::string> artifacts;
  for (const auto& a : run["artifacts"]) artifacts.push_back(a["path"]);
  EXPECT_EQ(artifacts, (std::vector<std::string>{
                           "confusion_matrix.json", "feature_importance.json", "model/booster.json",
                           "model/bundle.json", "model/cross_fit.json", "model/fold_0.json",
                           "model/fold_1.json", "model/fold_2.json", "pr_curve.json", "roc_curve.json"}));
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/runs/0123456789abcdef0123456789abcdef").status, 404);
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/runs/nope").status, 404);
  EXPECT_EQ(api_.call("", "GET", "/api/v1/runs").status, 401);
}

}  // namespace
}  // namespace churnwatch
