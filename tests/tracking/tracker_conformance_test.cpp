// The behaviour every Tracker must show, run against the file store and the
// REST client (talking to the strict MLflow stand-in).
#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "core/errors.hpp"
#include "tracking/mlflow_standin.hpp"
#include "tracking/file_tracker.hpp"
#include "tracking/rest_tracker.hpp"
#include "tracking_test_support.hpp"

namespace churnwatch::tracking {
namespace {

using test_support::MlflowStandin;
using test_support::ScratchDir;
using namespace std::chrono_literals;

class TrackerConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "file") {
      tracker_ = std::make_unique<FileTracker>(scratch_.path() / "mlruns");
    } else {
      standin_ = std::make_unique<MlflowStandin>();
      RestOptions o;
      o.base_url = standin_->url();
      o.initial_backoff = 5ms;
      tracker_ = std::make_unique<RestTracker>(o);
    }
  }
  Tracker& t() { return *tracker_; }

  ScratchDir scratch_;
  std::unique_ptr<MlflowStandin> standin_;
  std::unique_ptr<Tracker> tracker_;
};

TEST_P(TrackerConformance, FullRunLifecycleReadsBackWhatWasLogged) {
  auto run = t().start_run("churn", "xgboost baseline", {{"mlflow.source.git.commit", "abc123"}});
  EXPECT_EQ(run.run_id.size(), 32u);
  EXPECT_FALSE(run.experiment_id.empty());
  t().log_params(run, {{"max_depth", "6"}, {"eta", "0.1"}});
  t().log_metrics(run, {{"val_auc", 0.80, 0, 1000}, {"val_auc", 0.85, 1, 2000}, {"val_auc", 0.83, 2, 3000},
                        {"train/logloss", 0.4, 0, 1000}});
  t().set_tags(run, {{"model_version", "7"}});
  t().end_run(run, RunStatus::kFinished);

  RunInfo info = t().get_run(run.run_id);
  EXPECT_EQ(info.run_id, run.run_id);
  EXPECT_EQ(info.experiment_id, run.experiment_id);
  EXPECT_EQ(info.name, "xgboost baseline");
  EXPECT_EQ(info.status, RunStatus::kFinished);
  ASSERT_TRUE(info.end_time.has_value());
  EXPECT_GE(*info.end_time, info.start_time);
  EXPECT_GT(info.start_time, 1'600'000'000'000);
  EXPECT_EQ(info.params, (Params{{"eta", "0.1"}, {"max_depth", "6"}}));
  EXPECT_EQ(info.tags.at("mlflow.runName"), "xgboost baseline");
  EXPECT_EQ(info.tags.at("mlflow.source.git.commit"), "abc123");
  EXPECT_EQ(info.tags.at("model_version"), "7");
  EXPECT_FALSE(info.tags.at("mlflow.user").empty());
  // Latest = highest step, not last logged.
  EXPECT_DOUBLE_EQ(info.latest_metrics.at("val_auc").value, 0.83);
  EXPECT_EQ(info.latest_metrics.at("val_auc").step, 2);
  ASSERT_EQ(info.metric_history.at("val_auc").size(), 3u);
  EXPECT_DOUBLE_EQ(info.metric_history.at("val_auc")[1].value, 0.85);
  EXPECT_EQ(info.metric_history.at("val_auc")[1].timestamp_ms, 2000);
  EXPECT_DOUBLE_EQ(info.latest_metrics.at("train/logloss").value, 0.4);
}

TEST_P(TrackerConformance, ListsRunsNewestFirstPerExperimentWithinTheLimit) {
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    auto run = t().start_run("churn", "run " + std::to_string(i));
    t().log_metrics(run, {{"auc", 0.5 + i / 10.0, 0, 0}});
    ids.push_back(run.run_id);
    std::this_thread::sleep_for(3ms);  // distinct start times
  }
  t().start_run("other", "elsewhere");
  auto runs = t().list_runs("churn", 3);
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].run_id, ids[3]);
  EXPECT_EQ(runs[1].run_id, ids[2]);
  EXPECT_EQ(runs[2].run_id, ids[1]);
  EXPECT_EQ(runs[0].name, "run 3");
  EXPECT_NEAR(runs[0].latest_metrics.at("auc").value, 0.8, 1e-12);
  EXPECT_TRUE(runs[0].metric_history.empty());
  EXPECT_EQ(t().list_runs("churn", 100).size(), 4u);
  EXPECT_EQ(t().list_runs("other", 100).size(), 1u);
  EXPECT_TRUE(t().list_runs("never created", 10).empty());
}

TEST_P(TrackerConformance, EmptyExperimentNameIsMlflowsDefaultExperiment) {
  auto run = t().start_run("", "in default");
  EXPECT_EQ(run.experiment_id, "0");
  EXPECT_EQ(t().list_runs("Default", 10).size(), 1u);
}

TEST_P(TrackerConformance, AParamKeepsItsFirstValue) {
  auto run = t().start_run("churn", "params");
  t().log_params(run, {{"seed", "42"}});
  EXPECT_NO_THROW(t().log_params(run, {{"seed", "42"}}));
  try {
    t().log_params(run, {{"seed", "43"}});
    FAIL() << "changing a param must be refused";
  } catch (const core::Invalid& e) {
    EXPECT_NE(std::string(e.what()).find("seed"), std::string::npos) << e.what();
  }
  EXPECT_THROW(t().log_params(run, {{"alpha", "1"}, {"seed", "44"}}), core::Invalid);
  auto params = t().get_run(run.run_id).params;
  EXPECT_EQ(params.at("seed"), "42");
  EXPECT_EQ(params.count("alpha"), 0u) << "a refused call logs nothing";
}

TEST_P(TrackerConformance, RefusesWhatMlflowRefusesBeforeWritingAnything) {
  auto run = t().start_run("churn", "bad input");
  EXPECT_THROW(t().log_params(run, {{"ok", "1"}, {"bad|key", "1"}}), core::Invalid);
  EXPECT_THROW(t().log_params(run, {{"../escape", "1"}}), core::Invalid);
  EXPECT_THROW(t().log_metrics(run, {{"a//b", 1.0}}), core::Invalid);
  EXPECT_THROW(t().set_tags(run, {{"", "x"}}), core::Invalid);
  EXPECT_THROW(t().log_params(run, {{"long", std::string(kMaxParamValueLength + 1, 'x')}}), core::Invalid);
  EXPECT_THROW(t().set_tags(run, {{"long", std::string(kMaxTagValueLength + 1, 'x')}}), core::Invalid);
  EXPECT_NO_THROW(t().log_params(run, {{"longest", std::string(kMaxParamValueLength, 'x')}}));
  auto info = t().get_run(run.run_id);
  EXPECT_EQ(info.params.count("ok"), 0u) << "a refused batch must log nothing";
  EXPECT_EQ(info.params.at("longest").size(), kMaxParamValueLength);
  EXPECT_TRUE(info.latest_metrics.empty());
}

TEST_P(TrackerConformance, UnknownRunIsNotFound) {
  EXPECT_THROW(t().get_run("0123456789abcdef0123456789abcdef"), core::NotFound);
  RunHandle ghost{"0123456789abcdef0123456789abcdef", "0", ""};
  EXPECT_THROW(t().log_metrics(ghost, {{"auc", 1.0}}), core::NotFound);
}

TEST_P(TrackerConformance, FailedRunsAndNonFiniteMetricsRoundTrip) {
  auto run = t().start_run("churn", "diverged");
  t().log_metrics(run, {{"loss", std::nan(""), 0, 5}, {"gain", INFINITY, 0, 5}, {"zero", 0.0}});
  t().end_run(run, RunStatus::kFailed);
  auto info = t().get_run(run.run_id);
  EXPECT_EQ(info.status, RunStatus::kFailed);
  EXPECT_TRUE(std::isnan(info.latest_metrics.at("loss").value));
  EXPECT_TRUE(std::isinf(info.latest_metrics.at("gain").value));
  EXPECT_GT(info.latest_metrics.at("zero").timestamp_ms, 0) << "timestamp 0 means now";
}

TEST_P(TrackerConformance, MissingArtifactFileIsNotFound) {
  auto run = t().start_run("churn", "artifacts");
  EXPECT_THROW(t().log_artifact(run, scratch_.path() / "no-such-file.json", "model"), core::NotFound);
  EXPECT_THROW(t().log_artifact(run, scratch_.path() / "x", "../outside"), core::Invalid);
}

TEST_P(TrackerConformance, ListsEveryArtifactFileWithItsSize) {
  using test_support::spit;
  auto run = t().start_run("churn", "artifacts listed");
  EXPECT_TRUE(t().list_artifacts(run.run_id).empty());
  spit(scratch_.path() / "bundle.json", "{\"a\": 1}");
  spit(scratch_.path() / "booster.json", "{}");
  spit(scratch_.path() / "roc_curve.json", "[1, 2, 3]");
  t().log_artifact(run, scratch_.path() / "bundle.json", "model");
  t().log_artifact(run, scratch_.path() / "booster.json", "model");
  t().log_artifact(run, scratch_.path() / "roc_curve.json");
  auto files = t().list_artifacts(run.run_id);
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].path, "model/booster.json");
  EXPECT_EQ(files[0].size, 2);
  EXPECT_EQ(files[1].path, "model/bundle.json");
  EXPECT_EQ(files[1].size, 8);
  EXPECT_EQ(files[2].path, "roc_curve.json");
  EXPECT_EQ(files[2].size, 9);
  EXPECT_THROW(t().list_artifacts("0123456789abcdef0123456789abcdef"), core::NotFound);
}

INSTANTIATE_TEST_SUITE_P(Backends, TrackerConformance, ::testing::Values("file", "rest"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace churnwatch::tracking
