// Background jobs over HTTP: asynchronous import, export to a file,
// idempotency keys, cancellation and roles.
#include <gtest/gtest.h>

#include <sstream>
#include <thread>
#include <vector>

#include "http/api_harness.hpp"

namespace churnwatch {
namespace {

using namespace std::chrono_literals;
using test_support::ApiHarness;
using test_support::fixture_text;
using test_support::TestResponse;

class ApiJobsTest : public ::testing::Test {
protected:
  ApiHarness api_;

  TestResponse post_with_key(const std::string &role, const std::string &target,
                             const std::string &body,
                             const std::string &content_type,
                             const std::string &key) {
    test_support::TestClient c(api_.port());
    test_support::Headers h{{"Authorization", "Bearer " + api_.token(role)}};
    if (!body.empty())
      h.emplace_back("Content-Type", content_type);
    if (!key.empty())
      h.emplace_back("Idempotency-Key", key);
    return c.request("POST", target, body, h);
  }

  // Polls GET <location> until the job has finished (10 s at most).
  nlohmann::json wait_done(const std::string &location) {
    nlohmann::json job;
    for (int i = 0; i < 1000; ++i) {
      auto r = api_.call("viewer", "GET", location);
      EXPECT_EQ(r.status, 200) << r.body;
      job = r.json();
      const std::string state = job["state"];
      if (state != "queued" && state != "running")
        return job;
      std::this_thread::sleep_for(10ms);
    }
    ADD_FAILURE() << "job did not finish: " << job.dump();
    return job;
  }
};

TEST_F(ApiJobsTest, AsyncImportAnswers202ThenTheCustomersAppear) {
  auto r = api_.call("analyst", "POST", "/api/v1/customers/import?async=true",
                     fixture_text("bank_sample.csv"), "text/csv");
  ASSERT_EQ(r.status, 202) << r.body;
  auto job = r.json();
  EXPECT_EQ(job["kind"], "import");
  EXPECT_EQ(job["created_by"], "analyst-user");
  const std::string location = r.header("location");
  EXPECT_EQ(location, "/api/v1/jobs/" + job["id"].get<std::string>());

  auto done = wait_done(location);
  EXPECT_EQ(done["state"], "succeeded") << done.dump();
  EXPECT_EQ(done["result"]["created"], 30);
  EXPECT_EQ(done["progress"], 1.0);
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/customers").json()["total"],
            30);
  EXPECT_FALSE(std::filesystem::exists(api_.dir() / "uploads" /
                                       (job["id"].get<std::string>() + ".csv")))
      << "the spooled upload is removed once imported";

  auto listed =
      api_.call("viewer", "GET", "/api/v1/jobs?kind=import&state=succeeded")
          .json();
  EXPECT_EQ(listed["total"], 1);
  EXPECT_EQ(listed["items"][0]["id"], job["id"]);
}

TEST_F(ApiJobsTest, BadRowsFailTheImportJobForGoodWithTheReason) {
  auto csv = fixture_text("bank_sample.csv");
  ASSERT_EQ(api_.import_fixture("bank_sample.csv").status, 200);
  // The same rows again in insert mode: every id is a duplicate.
  auto r = api_.call("analyst", "POST",
                     "/api/v1/customers/import?async=true&mode=insert", csv,
                     "text/csv");
  ASSERT_EQ(r.status, 202) << r.body;
  auto done = wait_done(r.header("location"));
  EXPECT_EQ(done["state"], "failed");
  EXPECT_EQ(done["attempts"], 1) << "bad input is not retried";
  EXPECT_FALSE(done["error"].get<std::string>().empty());
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/customers").json()["total"],
            30);
}

// The fixture with three changes: a new surname on line 2 (which must not
// land), a word for Age on line 3 and an unknown Geography on line 5.
std::string csv_with_bad_lines() {
  std::istringstream in(fixture_text("bank_sample.csv"));
  std::string out, line;
  for (int n = 1; std::getline(in, line); ++n) {
    std::vector<std::string> cells;
    std::stringstream cs(line);
    for (std::string cell; std::getline(cs, cell, ',');) cells.push_back(cell);
    if (n == 2) cells[2] = "Renamed";
    if (n == 3) cells[6] = "old";
    if (n == 5) cells[4] = "Atlantis";
    for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + cells[i];
    out += "\n";
  }
  return out;
}

TEST_F(ApiJobsTest, AFailedImportJobReportsEveryBadLineAndFieldLikeTheSynchronous422) {
  ASSERT_EQ(api_.import_fixture("bank_sample.csv").status, 200);
  const std::string before = api_.call("viewer", "GET", "/api/v1/customers/export").body;
  const std::string csv = csv_with_bad_lines();

  auto r = api_.call("analyst", "POST", "/api/v1/customers/import?async=true&mode=upsert", csv, "text/csv");
  ASSERT_EQ(r.status, 202) << r.body;
  auto done = wait_done(r.header("location"));
  EXPECT_EQ(done["state"], "failed") << done.dump();
  const auto& details = done["error_details"];
  ASSERT_TRUE(details.is_object()) << done.dump();
  EXPECT_EQ(details["errors_total"], 2);
  ASSERT_EQ(details["errors"].size(), 2u) << details.dump();
  EXPECT_EQ(details["errors"][0]["line"], 3);
  EXPECT_EQ(details["errors"][0]["column"], 7);
  EXPECT_EQ(details["errors"][0]["field"], "Age");
  EXPECT_NE(details["errors"][0]["message"].get<std::string>().find("old"), std::string::npos)
      << details.dump();
  EXPECT_EQ(details["errors"][1]["line"], 5);
  EXPECT_EQ(details["errors"][1]["column"], 5);
  EXPECT_EQ(details["errors"][1]["field"], "Geography");
  EXPECT_EQ(done["message"], "read 30 rows, 2 errors; nothing was imported");
  EXPECT_LT(done["progress"].get<double>(), 1.0);

  // The synchronous import of the same file answers 422 with the same list.
  auto sync = api_.call("analyst", "POST", "/api/v1/customers/import?mode=upsert", csv, "text/csv");
  ASSERT_EQ(sync.status, 422) << sync.body;
  EXPECT_EQ(sync.json()["errors"], details["errors"]);

  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/customers/export").body, before) << "nothing changed";
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/customers/15565707").json()["display_name"], "Ward");
}

TEST_F(ApiJobsTest, AGoodImportJobEndsWithItsRowCountAsTheMessage) {
  auto r = api_.call("analyst", "POST", "/api/v1/customers/import?async=true",
                     fixture_text("bank_sample.csv"), "text/csv");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.json()["progress"], 0.0);
  auto done = wait_done(r.header("location"));
  EXPECT_EQ(done["state"], "succeeded") << done.dump();
  EXPECT_EQ(done["progress"], 1.0);
  EXPECT_EQ(done["message"], "imported 30 rows");
  EXPECT_TRUE(done["error_details"].is_null());
}

TEST_F(ApiJobsTest, SameIdempotencyKeyGivesTheSameJob) {
  const auto csv = fixture_text("bank_sample.csv");
  auto first = post_with_key("analyst", "/api/v1/customers/import?async=true",
                             csv, "text/csv", "import-42");
  auto again = post_with_key("analyst", "/api/v1/customers/import?async=true",
                             csv, "text/csv", "import-42");
  ASSERT_EQ(first.status, 202) << first.body;
  ASSERT_EQ(again.status, 202) << again.body;
  EXPECT_EQ(again.json()["id"], first.json()["id"]);
  EXPECT_EQ(again.header("location"), first.header("location"));
  EXPECT_EQ(wait_done(first.header("location"))["state"], "succeeded");
  EXPECT_EQ(
      api_.call("viewer", "GET", "/api/v1/jobs?kind=import").json()["total"],
      1);
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/customers").json()["total"], 30)
      << "imported once";
}

TEST_F(ApiJobsTest, ExportJobWritesAFileToDownload) {
  ASSERT_EQ(api_.import_fixture("bank_sample.csv").status, 200);
  auto r = api_.call("viewer", "POST",
                     "/api/v1/customers/export?format=csv&Geography=France");
  ASSERT_EQ(r.status, 202) << r.body;
  auto done = wait_done(r.header("location"));
  ASSERT_EQ(done["state"], "succeeded") << done.dump();
  const auto id = done["id"].get<std::string>();

  auto file = api_.call("viewer", "GET", "/api/v1/jobs/" + id + "/download");
  ASSERT_EQ(file.status, 200) << file.body;
  EXPECT_EQ(file.header("content-type"), "text/csv; charset=utf-8");
  // The file holds what the streamed export returns for the same filter.
  auto direct = api_.call(
      "viewer", "GET", "/api/v1/customers/export?format=csv&Geography=France");
  ASSERT_EQ(direct.status, 200);
  EXPECT_EQ(file.body, direct.body);
  const auto france =
      api_.call("viewer", "GET", "/api/v1/customers?Geography=France")
          .json()["total"]
          .get<int>();
  EXPECT_EQ(done["result"]["customers"], france);
  EXPECT_EQ(std::count(file.body.begin(), file.body.end(), '\n'), france + 1);
}

TEST_F(ApiJobsTest, DownloadOfAnUnfinishedOrUnknownJobIsRefused) {
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/jobs/nope/download").status,
            404);
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/jobs/nope").status, 404);
  // A job of a kind no worker runs stays queued.
  auto job = api_.jobs().enqueue("not-a-kind", {}, {});
  EXPECT_EQ(
      api_.call("viewer", "GET", "/api/v1/jobs/" + job.id + "/download").status,
      404);
}

TEST_F(ApiJobsTest, CancelAQueuedJob) {
  auto job = api_.jobs().enqueue("not-a-kind", {}, {});
  EXPECT_EQ(
      api_.call("viewer", "POST", "/api/v1/jobs/" + job.id + "/cancel").status,
      403);
  auto r = api_.call("analyst", "POST", "/api/v1/jobs/" + job.id + "/cancel");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["state"], "cancelled");
  EXPECT_EQ(
      api_.call("analyst", "POST", "/api/v1/jobs/" + job.id + "/cancel").status,
      409);
  EXPECT_EQ(api_.call("analyst", "POST", "/api/v1/jobs/nope/cancel").status,
            404);
}

TEST_F(ApiJobsTest, RolesAndBadFilters) {
  auto csv = fixture_text("bank_sample.csv");
  EXPECT_EQ(api_.call("viewer", "POST", "/api/v1/customers/import?async=true",
                      csv, "text/csv")
                .status,
            403);
  EXPECT_EQ(api_.call("", "GET", "/api/v1/jobs").status, 401);
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/jobs").status, 200);
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/jobs?state=sleeping").status,
            422);
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/jobs?limit=0").status, 422);
  EXPECT_EQ(
      api_.call("viewer", "POST", "/api/v1/customers/export?format=xml").status,
      422);
}

} // namespace
} // namespace churnwatch
