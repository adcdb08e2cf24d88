// The REST client against the strict MLflow stand-in: the requests it sends,
// how it splits batches, retries and reports the server's errors.
#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "tracking/mlflow_standin.hpp"
#include "tracking/rest_tracker.hpp"
#include "tracking_test_support.hpp"

namespace churnwatch::tracking {
namespace {

using test_support::MlflowStandin;
using test_support::ScratchDir;
using namespace std::chrono_literals;

const std::string kApi = "/api/2.0/mlflow/";

RestOptions options_for(const MlflowStandin& s) {
  RestOptions o;
  o.base_url = s.url();
  o.initial_backoff = 5ms;
  o.max_backoff = 50ms;
  o.max_attempts = 4;
  return o;
}

TEST(RestTracker, RunLifecycleSendsMlflowsRequests) {
  MlflowStandin mlflow;
  RestTracker tracker(options_for(mlflow));
  auto run = tracker.start_run("churn", "gbdt", {{"mlflow.source.git.commit", "0a1b2c"}});
  tracker.log_params(run, {{"max_depth", "6"}});
  tracker.log_metrics(run, {{"val_auc", 0.9, 3, 1700000000000}});
  tracker.set_tags(run, {{"model_version", "4"}});
  tracker.end_run(run, RunStatus::kFinished);

  EXPECT_EQ(mlflow.requests(),
            (std::vector<std::string>{"GET " + kApi + "experiments/get-by-name", "POST " + kApi + "experiments/create",
                                      "POST " + kApi + "runs/create", "POST " + kApi + "runs/log-batch",
                                      "POST " + kApi + "runs/log-batch", "POST " + kApi + "runs/log-batch",
                                      "POST " + kApi + "runs/update"}));
  auto stored = mlflow.run(run.run_id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->experiment_id, run.experiment_id);
  EXPECT_EQ(stored->run_name, "gbdt");
  EXPECT_EQ(stored->status, "FINISHED");
  EXPECT_TRUE(stored->end_time.has_value());
  EXPECT_EQ(stored->params.at("max_depth"), "6");
  EXPECT_EQ(stored->tags.at("mlflow.source.git.commit"), "0a1b2c");
  EXPECT_EQ(stored->tags.at("model_version"), "4");
  ASSERT_EQ(stored->metrics.size(), 1u);
  EXPECT_EQ(stored->metrics[0].timestamp, 1700000000000);
  EXPECT_EQ(stored->metrics[0].step, 3);
  EXPECT_EQ(run.artifact_uri, "mlflow-artifacts:/" + run.experiment_id + "/" + run.run_id + "/artifacts");

  // A second run in the same experiment does not create it again.
  tracker.start_run("churn", "second");
  EXPECT_EQ(mlflow.count("POST " + kApi + "experiments/create"), 1u);
  EXPECT_EQ(mlflow.experiments().size(), 2u);
}

TEST(RestTracker, BatchesStayWithinMlflowsLimits) {
  MlflowStandin mlflow;
  RestTracker tracker(options_for(mlflow));
  auto run = tracker.start_run("churn", "big");
  std::vector<Metric> metrics;
  for (int i = 0; i < 2500; ++i) metrics.push_back({"loss", 1.0 / (i + 1), i, 1700000000000 + i});
  Params params;
  for (int i = 0; i < 250; ++i) params["p" + std::to_string(i)] = std::to_string(i);
  Tags tags;
  for (int i = 0; i < 150; ++i) tags["t" + std::to_string(i)] = "v";
  tracker.log_metrics(run, metrics);
  tracker.log_params(run, params);
  tracker.set_tags(run, tags);

  std::vector<std::size_t> sizes;
  for (const auto& b : mlflow.batches())
    for (const char* field : {"metrics", "params", "tags"})
      if (b.contains(field)) sizes.push_back(b[field].size());
  EXPECT_EQ(sizes, (std::vector<std::size_t>{1000, 1000, 500, 100, 100, 50, 100, 50}));
  auto info = tracker.get_run(run.run_id);
  EXPECT_EQ(info.params.size(), 250u);
  EXPECT_EQ(info.metric_history.at("loss").size(), 2500u);
  EXPECT_EQ(info.metric_history.at("loss")[2499].step, 2499);
}

TEST(RestTracker, RetriesOn503ThenSucceeds) {
  MlflowStandin mlflow;
  RestTracker tracker(options_for(mlflow));
  auto run = tracker.start_run("churn", "retry");
  mlflow.fail_next(2, 503);
  tracker.log_params(run, {{"a", "1"}});
  EXPECT_EQ(mlflow.count("POST " + kApi + "runs/log-batch"), 3u) << "two failures, then success";
  EXPECT_EQ(mlflow.run(run.run_id)->params.at("a"), "1");
}

TEST(RestTracker, HonoursRetryAfterOn429) {
  MlflowStandin mlflow;
  RestTracker tracker(options_for(mlflow));
  mlflow.fail_next(1, 429, 0);
  EXPECT_NO_THROW(tracker.start_run("churn", "limited"));
  EXPECT_EQ(mlflow.count("GET " + kApi + "experiments/get-by-name"), 2u);
}

TEST(RestTracker, GivesUpAfterTheBoundedAttemptsWithTheServersMessage) {
  MlflowStandin mlflow;
  RestTracker tracker(options_for(mlflow));
  auto run = tracker.start_run("churn", "down");
  mlflow.fail_next(100, 503);
  try {
    tracker.end_run(run);
    FAIL() << "expected Unavailable";
  } catch (const core::Unavailable& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("injected failure 503"), std::string::npos) << what;
    EXPECT_NE(what.find("4 times"), std::string::npos) << what;
    EXPECT_NE(what.find(mlflow.url()), std::string::npos) << what;
  }
  EXPECT_EQ(mlflow.count("POST " + kApi + "runs/update"), 4u);
}

TEST(RestTracker, ClientErrorsAreNotRetriedAndQuoteTheServer) {
  MlflowStandin mlflow;
  RestTracker tracker(options_for(mlflow));
  auto run = tracker.start_run("churn", "conflict");
  tracker.log_params(run, {{"seed", "1"}});
  try {
    tracker.log_params(run, {{"seed", "2"}});
    FAIL() << "expected Invalid";
  } catch (const core::Invalid& e) {
    EXPECT_NE(std::string(e.what()).find("Changing param values is not allowed"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("INVALID_PARAMETER_VALUE"), std::string::npos) << e.what();
  }
  EXPECT_EQ(mlflow.count("POST " + kApi + "runs/log-batch"), 2u);
  try {
    tracker.get_run("ffffffffffffffffffffffffffffffff");
    FAIL() << "expected NotFound";
  } catch (const core::NotFound& e) {
    EXPECT_NE(std::string(e.what()).find("Run with id=ffffffffffffffffffffffffffffffff not found"), std::string::npos);
  }
}

TEST(RestTracker, SendsBearerTokenOrBasicAuth) {
  MlflowStandin mlflow;
  mlflow.require_authorization("Bearer s3cret");
  auto o = options_for(mlflow);
  EXPECT_THROW(RestTracker(o).start_run("churn", "anonymous"), core::Unauthorized);
  o.token = "s3cret";
  EXPECT_NO_THROW(RestTracker(o).start_run("churn", "with token"));

  mlflow.require_authorization("Basic YWxpY2U6cHc=");  // alice:pw
  o.token.clear();
  o.username = "alice";
  o.password = "pw";
  EXPECT_NO_THROW(RestTracker(o).start_run("churn", "with password"));
}

TEST(RestTracker, NetworkFailureIsUnavailableAfterRetries) {
  RestOptions o;
  o.base_url = "http://127.0.0.1:1";  // nothing listens there
  o.initial_backoff = 1ms;
  o.max_attempts = 2;
  RestTracker tracker(o);
  EXPECT_THROW(tracker.start_run("churn", "offline"), core::Unavailable);
}

TEST(RestTracker, UploadsArtifactsThroughMlflowArtifacts) {
  MlflowStandin mlflow;
  RestTracker tracker(options_for(mlflow));
  ScratchDir dir;
  test_support::spit(dir.path() / "model.json", "{\"trees\":[]}");
  auto run = tracker.start_run("churn", "artifacts");
  tracker.log_artifact(run, dir.path() / "model.json", "model");
  auto stored = mlflow.artifacts();
  std::string key = run.experiment_id + "/" + run.run_id + "/artifacts/model/model.json";
  ASSERT_EQ(stored.count(key), 1u) << (stored.empty() ? "nothing" : stored.begin()->first);
  EXPECT_EQ(stored[key], "{\"trees\":[]}");
}

TEST(RestTracker, CopiesArtifactsToAFileArtifactRootAndRefusesOthers) {
  ScratchDir dir;
  test_support::spit(dir.path() / "src" / "report.txt", "auc 0.9");
  {
    MlflowStandin mlflow("file://" + (dir.path() / "artifacts").string());
    RestTracker tracker(options_for(mlflow));
    auto run = tracker.start_run("churn", "shared disk");
    tracker.log_artifact(run, dir.path() / "src" / "report.txt");
    EXPECT_EQ(test_support::slurp(dir.path() / "artifacts" / run.experiment_id / run.run_id / "artifacts" / "report.txt"),
              "auc 0.9");
  }
  MlflowStandin s3("s3://bucket/mlflow");
  RestTracker tracker(options_for(s3));
  auto run = tracker.start_run("churn", "s3");
  EXPECT_THROW(tracker.log_artifact(run, dir.path() / "src" / "report.txt"), core::Unavailable);
}

TEST(RestTracker, ReadsLongHistoriesPageByPage) {
  MlflowStandin mlflow;
  mlflow.set_history_page_size(3);
  RestTracker tracker(options_for(mlflow));
  auto run = tracker.start_run("churn", "paged");
  std::vector<Metric> metrics;
  for (int i = 0; i < 10; ++i) metrics.push_back({"auc", i / 10.0, i, 1700000000000 + i});
  tracker.log_metrics(run, metrics);
  auto info = tracker.get_run(run.run_id);
  ASSERT_EQ(info.metric_history.at("auc").size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(info.metric_history.at("auc")[i].step, i);
  EXPECT_EQ(mlflow.count("GET " + kApi + "metrics/get-history"), 4u);
}

}  // namespace
}  // namespace churnwatch::tracking

namespace churnwatch::tracking {
namespace {

// The stand-in must refuse what MLflow refuses, or the client tests above
// would prove nothing; these requests bypass the client's own checks.
TEST(MlflowStandinContract, RefusesWhatMlflowRefuses) {
  MlflowStandin mlflow;
  RestClient client(options_for(mlflow));
  auto expect_invalid = [&](const nlohmann::json& body, const std::string& message) {
    try {
      client.post(kApi + "runs/log-batch", body);
      ADD_FAILURE() << "accepted " << body.dump().substr(0, 200);
    } catch (const core::Invalid& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  };
  auto created = client.post(kApi + "runs/create", {{"experiment_id", "0"}, {"start_time", 1}});
  std::string id = created["run"]["info"]["run_id"];
  nlohmann::json metrics = nlohmann::json::array();
  for (int i = 0; i < 1001; ++i) metrics.push_back({{"key", "m"}, {"value", 1.0}, {"timestamp", 1}, {"step", i}});
  expect_invalid({{"run_id", id}, {"metrics", metrics}}, "at most 1000 metrics. Got 1001");
  nlohmann::json params = nlohmann::json::array();
  for (int i = 0; i < 101; ++i) params.push_back({{"key", "p" + std::to_string(i)}, {"value", "v"}});
  expect_invalid({{"run_id", id}, {"params", params}}, "at most 100 params. Got 101");
  expect_invalid({{"run_id", id}, {"tags", params}}, "at most 100 tags. Got 101");
  expect_invalid({{"run_id", id}, {"unknown", 1}}, "Invalid field 'unknown'");
  expect_invalid({{"run_id", 42}}, "expected string");
  expect_invalid({{"metrics", nlohmann::json::array()}}, "Missing value for required parameter 'run_id'");
  expect_invalid({{"run_id", id}, {"params", {{{"key", "a|b"}, {"value", "1"}}}}}, "Invalid param name");
  expect_invalid({{"run_id", id}, {"metrics", {{{"key", "m"}, {"value", 1.0}}}}},
                 "required parameter 'timestamp'");
  expect_invalid({{"run_id", id}, {"params", {{{"key", "p"}, {"value", std::string(6001, 'x')}}}}},
                 "exceeded length limit of 6000");
  EXPECT_THROW(client.post(kApi + "runs/log-batch", {{"run_id", "nope"}}), core::NotFound);
  EXPECT_THROW(client.post(kApi + "experiments/create", {{"name", "Default"}}), core::Conflict);
  EXPECT_THROW(client.get(kApi + "experiments/get-by-name", {{"experiment_name", "missing"}}), core::NotFound);
  EXPECT_TRUE(mlflow.run(id)->params.empty());
  EXPECT_TRUE(mlflow.run(id)->metrics.empty());
}

}  // namespace
}  // namespace churnwatch::tracking
