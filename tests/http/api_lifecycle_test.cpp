// The customer lifecycle through the real server: customers who left are
// departed, never scored or alerted on again; the risk screens speak of
// active customers; and the outcome report measures the scores made before
// the departures against the active customers of the same runs.
//
// On the bank table when ../shared/data has it, otherwise on 6,000 generated
// bank customers: a few hundred churners are imported as retained, scored,
// and then upserted as departed, as a later export of the same system would.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "http/api_harness.hpp"
#include "ml/metrics.hpp"
#include "services/demo_data.hpp"

namespace churnwatch {
namespace {

using nlohmann::json;
using test_support::ApiHarness;

std::string bank_or_generated_csv() {
  if (const char* dir = std::getenv("CHURNWATCH_SHARED_DATA")) {
    std::ifstream in(std::string(dir) + "/Churn_Modelling.csv", std::ios::binary);
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      return ss.str();
    }
  }
  std::ostringstream out;
  services::write_demo_csv(out, 6000, 11);
  return out.str();
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream ss(line);
  for (std::string cell; std::getline(ss, cell, ',');) cells.push_back(cell);
  return cells;
}

class ApiLifecycleTest : public ::testing::Test {
 protected:
  // Starts a job through `target`, waits for it and returns its result.
  json job_result(const std::string& target, const json& body = json()) {
    auto r = api_.call("analyst", "POST", target, body.is_null() ? "" : body.dump());
    EXPECT_EQ(r.status, 202) << target << ": " << r.body;
    if (r.status != 202) return json();
    const auto location = r.header("location");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(240);
    json job;
    while (std::chrono::steady_clock::now() < deadline) {
      job = get(location);
      const std::string state = job.value("state", "");
      if (state != "queued" && state != "running") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(job.value("state", ""), "succeeded") << job.dump();
    return job.value("result", json());
  }
  json get(const std::string& target) {
    auto r = api_.call("viewer", "GET", target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return r.json();
  }
  // Current probability of every customer with `status`, by id.
  std::map<std::string, double> scores(const std::string& status) {
    std::map<std::string, double> out;
    for (int offset = 0;; offset += 1000) {
      auto page = get("/api/v1/customers?status=" + status + "&limit=1000&offset=" + std::to_string(offset));
      for (const auto& c : page["items"]) {
        EXPECT_EQ(c["status"], status) << c.dump();
        if (c["risk"].is_object()) out[c["id"].get<std::string>()] = c["risk"]["probability"].get<double>();
      }
      if (page["items"].size() < 1000) break;
    }
    return out;
  }
  ApiHarness api_;
};

TEST_F(ApiLifecycleTest, DeparturesAreMeasuredAgainstTheScoresMadeBeforeThem) {
  // Every 7th churner is imported as retained: it is still a customer as far
  // as the first file knows.
  std::istringstream in(bank_or_generated_csv());
  std::string header;
  std::getline(in, header);
  if (!header.empty() && header.back() == '\r') header.pop_back();
  const auto columns = split(header);
  std::size_t label_col = 0, id_col = 0;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == "Exited") label_col = i;
    if (columns[i] == "CustomerId") id_col = i;
  }
  ASSERT_GT(label_col, 0u) << header;
  std::string first_file = header + "\n", departures_file = header + "\n";
  std::set<std::string> leaving, departed_from_start;
  int churners = 0;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto cells = split(line);
    if (cells.size() != columns.size()) continue;  // no quoted commas in these tables
    if (cells[label_col] == "1") {
      if (++churners % 7 == 0) {
        leaving.insert(cells[id_col]);
        departures_file += line + "\n";
        cells[label_col] = "0";
        std::string retained;
        for (std::size_t i = 0; i < cells.size(); ++i) retained += (i ? "," : "") + cells[i];
        line = retained;
      } else {
        departed_from_start.insert(cells[id_col]);
      }
    }
    first_file += line + "\n";
  }
  ASSERT_GT(leaving.size(), 100u);

  auto imported = api_.call("analyst", "POST", "/api/v1/customers/import", first_file, "text/csv");
  ASSERT_EQ(imported.status, 200) << imported.body;
  auto train = job_result("/api/v1/models/train", {{"search_budget", 1}, {"seed", 5}});
  ASSERT_TRUE(train.is_object());
  auto run = job_result("/api/v1/scoring/run");
  auto summary = get("/api/v1/risk/summary?limit=1000");
  EXPECT_EQ(summary["population"], "active");
  EXPECT_EQ(summary["departed_customers"].get<std::size_t>(), departed_from_start.size());
  EXPECT_EQ(run["scored"], summary["active_customers"]);
  EXPECT_EQ(run["scored"], summary["scored"]);

  // What the scores said before anyone knew.
  const auto before = scores("active");
  ASSERT_EQ(static_cast<std::int64_t>(before.size()), run["scored"].get<std::int64_t>());
  std::vector<double> p;
  std::vector<int> y;
  for (const auto& [id, prob] : before) {
    p.push_back(prob);
    y.push_back(leaving.count(id) ? 1 : 0);
  }
  const double expected_auc = ml::roc_auc(p, y);
  EXPECT_TRUE(scores("departed").empty()) << "a departed customer was scored";

  // The later file says they left.
  auto upsert =
      api_.call("analyst", "POST", "/api/v1/customers/import?mode=upsert", departures_file, "text/csv");
  ASSERT_EQ(upsert.status, 200) << upsert.body;
  const std::string one_id = *leaving.begin();
  auto one = get("/api/v1/customers/" + one_id);
  EXPECT_EQ(one["status"], "departed");
  EXPECT_TRUE(one["departed_at"].is_string());
  ASSERT_TRUE(one["risk"].is_object());
  EXPECT_DOUBLE_EQ(one["risk"]["probability"].get<double>(), before.at(one_id));  // the prediction of record

  auto outcomes = get("/api/v1/risk/outcomes");
  EXPECT_EQ(outcomes["departed"].get<std::size_t>(), leaving.size()) << outcomes.dump();
  EXPECT_EQ(outcomes["active_compared"].get<std::size_t>(), before.size() - leaving.size());
  ASSERT_TRUE(outcomes["roc_auc"].is_number()) << outcomes.dump();
  EXPECT_NEAR(outcomes["roc_auc"].get<double>(), expected_auc, 0.001);
  std::int64_t flagged_departed = 0, flagged = 0;
  const double threshold = outcomes["high_risk_threshold"].get<double>();
  for (const auto& [id, prob] : before) {
    if (prob >= threshold) ++flagged;
    if (prob >= threshold && leaving.count(id)) ++flagged_departed;
  }
  EXPECT_EQ(outcomes["flagged"], flagged);
  EXPECT_EQ(outcomes["flagged_departed"], flagged_departed);
  EXPECT_NEAR(outcomes["recall"].get<double>(), double(flagged_departed) / double(leaving.size()), 1e-9);
  ASSERT_EQ(outcomes["weekly"].size(), 1u);
  EXPECT_EQ(outcomes["weekly"][0]["departed"].get<std::size_t>(), leaving.size());
  // Flagged the same day they were found to have left.
  if (flagged_departed > 0) {
    EXPECT_NEAR(outcomes["median_lead_days"].get<double>(), 0.0, 0.01);
  }
  std::printf(
      "outcomes: %zu departed, %lld flagged, roc_auc %.4f (expected %.4f), recall %.3f, precision %.3f\n",
      leaving.size(), static_cast<long long>(flagged_departed), outcomes["roc_auc"].get<double>(),
      expected_auc, outcomes["recall"].get<double>(),
      outcomes["precision"].is_number() ? outcomes["precision"].get<double>() : 0.0);
  auto old_window = get("/api/v1/risk/outcomes?since=1999-01-01&until=2000-01-01");
  EXPECT_EQ(old_window["departed"], 0);
  EXPECT_TRUE(old_window["roc_auc"].is_null());
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/risk/outcomes?since=yesterday").status, 422);

  // They are never scored again, nor listed as at risk.
  auto rerun = job_result("/api/v1/scoring/run");
  EXPECT_EQ(rerun["scored"].get<std::size_t>(), before.size() - leaving.size());
  EXPECT_EQ(get("/api/v1/customers/" + one_id + "/risk-history")["items"].size(), 1u);
  auto rescore = api_.call("viewer", "POST", "/api/v1/predict", json{{"customer_id", one_id}}.dump());
  EXPECT_EQ(rescore.status, 409) << rescore.body;
  summary = get("/api/v1/risk/summary?limit=1000");
  EXPECT_EQ(summary["departed_customers"].get<std::size_t>(), departed_from_start.size() + leaving.size());
  for (const char* list : {"high_risk", "biggest_increases"})
    for (const auto& r : summary[list]) {
      const auto id = r["customer_id"].get<std::string>();
      EXPECT_FALSE(leaving.count(id) || departed_from_start.count(id)) << list << " holds departed " << id;
    }

  // Nor alerted on: a high-risk rule over everyone queues active customers only.
  auto rule = api_.call("analyst", "POST", "/api/v1/alerts/rules",
                        json{{"name", "very likely to leave"},
                             {"kind", "high_risk"},
                             {"threshold", 0.3},
                             {"webhook_url", "http://127.0.0.1:9/api/webhooks/1/token"}}
                            .dump());
  ASSERT_EQ(rule.status, 201) << rule.body;
  auto monitor = job_result("/api/v1/monitoring/run");
  ASSERT_TRUE(monitor.is_object());
  auto events = get("/api/v1/alerts/events?limit=1000");
  EXPECT_GT(events["total"].get<int>(), 0) << monitor.dump();
  for (const auto& e : events["items"]) {
    if (!e["customer_id"].is_string()) continue;  // an alert about no single customer
    const auto id = e["customer_id"].get<std::string>();
    EXPECT_FALSE(leaving.count(id) || departed_from_start.count(id)) << "alert for departed " << id;
  }
}

TEST_F(ApiLifecycleTest, StatusFiltersListsAndBadValuesAreNamed) {
  auto r = api_.call("analyst", "POST", "/api/v1/customers/import",
                     test_support::fixture_text("bank_sample.csv"), "text/csv");
  ASSERT_EQ(r.status, 200) << r.body;
  auto all = get("/api/v1/customers?limit=1000");
  auto departed = get("/api/v1/customers?status=departed&limit=1000");
  auto active = get("/api/v1/customers?status=active&limit=1000");
  EXPECT_GT(departed["total"].get<int>(), 0);
  EXPECT_EQ(departed["total"].get<int>() + active["total"].get<int>(), all["total"].get<int>());
  for (const auto& c : departed["items"]) {
    EXPECT_EQ(c["label"], 1);
    EXPECT_TRUE(c["departed_at"].is_string());
  }
  for (const auto& c : active["items"]) EXPECT_TRUE(c["departed_at"].is_null());
  auto bad = api_.call("viewer", "GET", "/api/v1/customers?status=gone");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["errors"][0]["field"], "status");
}

}  // namespace
}  // namespace churnwatch
