// Every training is recorded through the Tracker: the mlruns folder holds
// exactly the params, metrics, tags and artifacts of the run, field by field;
// over REST the same run reaches the MLflow stand-in. And a training with a
// job source registers one model version however often it is retried.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "services/ml_test_support.hpp"
#include "services/model_service.hpp"
#include "services/training_record.hpp"
#include "services/training_runs.hpp"
#include "tracking/file_tracker.hpp"
#include "tracking/mlflow_standin.hpp"
#include "tracking/mlflow_text.hpp"
#include "tracking/rest_tracker.hpp"

namespace churnwatch::services {
namespace {

namespace fs = std::filesystem;
using testing::DemoWorkspace;
using testing::quick_request;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out.insert(fs::relative(e.path(), dir).generic_string());
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The model is the whole bundle: final booster, metadata, the three
// cross-fit fold models and their members.
const std::set<std::string> kArtifacts = {
    "confusion_matrix.json", "feature_importance.json", "model/booster.json", "model/bundle.json",
    "model/cross_fit.json",  "model/fold_0.json",       "model/fold_1.json",  "model/fold_2.json",
    "pr_curve.json",         "roc_curve.json"};

TEST(TrainingTracking, MlrunsHoldsExactlyTheRunsParamsMetricsTagsAndArtifacts) {
  DemoWorkspace ws(2000);
  tracking::FileTracker tracker(ws.dir() / "mlruns");
  ModelServiceOptions options;
  options.tracker = &tracker;
  ModelService models(ws.store(), ws.models_dir(), options);
  auto request = quick_request();
  request.search_budget = 2;
  request.source = "cli";
  const auto out = models.train(request);
  ASSERT_EQ(out.run_id.size(), 32u);
  EXPECT_EQ(models.get(1).details.at("run_id"), out.run_id);

  // One experiment beside Default, named for training, holding one run.
  const fs::path root = tracker.root();
  std::string experiment_id;
  for (const auto& e : fs::directory_iterator(root)) {
    const auto name = e.path().filename().string();
    if (name == "0" || name == ".trash" || !e.is_directory()) continue;
    ASSERT_TRUE(experiment_id.empty()) << "a second experiment: " << name;
    experiment_id = name;
  }
  ASSERT_FALSE(experiment_id.empty());
  EXPECT_NE(slurp(root / experiment_id / "meta.yaml").find("name: churnwatch-training\n"), std::string::npos);
  const fs::path run = root / experiment_id / out.run_id;
  ASSERT_TRUE(fs::is_directory(run));

  auto meta = tracking::read_yaml(slurp(run / "meta.yaml"));
  EXPECT_EQ(meta["status"], "3") << "FINISHED";
  EXPECT_NE(meta["end_time"], "null");
  EXPECT_EQ(meta["run_id"], out.run_id);
  EXPECT_EQ(meta["experiment_id"], experiment_id);
  EXPECT_TRUE(std::regex_match(meta["run_name"], std::regex("gbdt 20[0-9-]+T[0-9:.]+Z")));

  // Params: exactly the request and the winning booster's settings.
  std::set<std::string> params;
  for (const auto& e : fs::directory_iterator(run / "params")) params.insert(e.path().filename().string());
  const auto stored = models.get(1);
  std::set<std::string> expected_params = {"algorithm",       "cost_ratio",    "rows_test", "rows_train",
                                           "rows_validation", "search_budget", "seed"};
  // The registry's params are the booster's (XGBoost's seed among them) with
  // the request's laid over them.
  for (const auto& [key, value] : stored.params.items())
    if (key != "algorithm" && key != "search_budget" && key != "cost_ratio")
      expected_params.insert("xgb." + key);
  EXPECT_EQ(params, expected_params);
  EXPECT_EQ(slurp(run / "params" / "algorithm"), "gbdt");
  EXPECT_EQ(slurp(run / "params" / "search_budget"), "2");
  EXPECT_EQ(slurp(run / "params" / "seed"), "11");
  EXPECT_EQ(slurp(run / "params" / "cost_ratio"), "none");
  EXPECT_EQ(slurp(run / "params" / "rows_train"), "1200");
  EXPECT_EQ(slurp(run / "params" / "rows_validation"), "400");
  EXPECT_EQ(slurp(run / "params" / "rows_test"), "400");
  EXPECT_EQ(slurp(run / "params" / "xgb.rounds"), stored.params.at("rounds").dump());

  // Tags: MLflow's own plus ours, values as stored in the registry.
  std::set<std::string> tags;
  for (const auto& e : fs::directory_iterator(run / "tags")) tags.insert(e.path().filename().string());
  std::set<std::string> expected_tags = {"mlflow.runName",
                                         "mlflow.user",
                                         "mlflow.source.name",
                                         "churnwatch.source",
                                         "churnwatch.schema_version",
                                         "churnwatch.data_hash",
                                         "churnwatch.calibration",
                                         "churnwatch.model_version",
                                         "churnwatch.promoted"};
  if (!build_git_commit().empty()) expected_tags.insert("mlflow.source.git.commit");
  EXPECT_EQ(tags, expected_tags);
  EXPECT_EQ(slurp(run / "tags" / "churnwatch.source"), "cli");
  EXPECT_EQ(slurp(run / "tags" / "churnwatch.schema_version"), std::to_string(stored.schema_version));
  EXPECT_EQ(slurp(run / "tags" / "churnwatch.data_hash"), stored.training_data_hash);
  EXPECT_EQ(slurp(run / "tags" / "churnwatch.model_version"), "1");
  EXPECT_EQ(slurp(run / "tags" / "churnwatch.promoted"), "true");
  if (!build_git_commit().empty()) {
    EXPECT_EQ(slurp(run / "tags" / "mlflow.source.git.commit"), build_git_commit());
    EXPECT_TRUE(std::regex_match(build_git_commit(), std::regex("[0-9a-f]{40}")));
  }

  // Metrics: one file per key, "<timestamp> <value> <step>" per line; a
  // line per boosting round, per CV fold, per candidate.
  std::set<std::string> metrics;
  for (const auto& e : fs::directory_iterator(run / "metrics")) metrics.insert(e.path().filename().string());
  EXPECT_EQ(metrics, (std::set<std::string>{"cv_auc",
                                            "cv_log_loss",
                                            "search_cv_auc",
                                            "test_accuracy",
                                            "test_brier",
                                            "test_f1",
                                            "test_log_loss",
                                            "test_pr_auc",
                                            "test_precision",
                                            "test_recall",
                                            "test_roc_auc",
                                            "threshold",
                                            "train_log_loss",
                                            "training_seconds",
                                            "validation_accuracy",
                                            "validation_auc",
                                            "validation_brier",
                                            "validation_f1",
                                            "validation_log_loss",
                                            "validation_pr_auc",
                                            "validation_precision",
                                            "validation_recall",
                                            "validation_roc_auc"}));
  const auto rounds = lines_of(slurp(run / "metrics" / "validation_auc"));
  EXPECT_EQ(rounds.size(), stored.details.at("history").size());
  const std::regex line(R"(1[0-9]{12} (-?[0-9.e+-]+) ([0-9]+))");
  for (std::size_t i = 0; i < rounds.size(); ++i) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(rounds[i], m, line)) << rounds[i];
    EXPECT_EQ(m[2], std::to_string(i)) << "step = boosting round";
    EXPECT_NEAR(std::stod(m[1]), stored.details.at("history")[i].at("validation_auc").get<double>(), 1e-9);
  }
  const auto folds = lines_of(slurp(run / "metrics" / "cv_auc"));
  ASSERT_EQ(folds.size(), 3u);
  const auto& best = stored.details.at("search")[stored.details.at("best_candidate").get<std::size_t>()];
  for (std::size_t f = 0; f < folds.size(); ++f) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(folds[f], m, line)) << folds[f];
    EXPECT_EQ(m[2], std::to_string(f)) << "step = fold";
    EXPECT_NEAR(std::stod(m[1]), best.at("folds")[f].at("auc").get<double>(), 1e-9);
  }
  EXPECT_EQ(lines_of(slurp(run / "metrics" / "search_cv_auc")).size(), 2u);
  const auto auc = lines_of(slurp(run / "metrics" / "test_roc_auc"));
  ASSERT_EQ(auc.size(), 1u);
  std::smatch m;
  ASSERT_TRUE(std::regex_match(auc[0], m, line));
  EXPECT_NEAR(std::stod(m[1]), stored.metrics.at("test").at("roc_auc").get<double>(), 1e-9);

  // Artifacts: the bundle as the registry holds it, and the curve data.
  EXPECT_EQ(names_in(run / "artifacts"), kArtifacts);
  EXPECT_EQ(slurp(run / "artifacts" / "model" / "bundle.json"),
            slurp(ws.models_dir() / "v1" / "bundle.json"));
  EXPECT_EQ(slurp(run / "artifacts" / "model" / "booster.json"),
            slurp(ws.models_dir() / "v1" / "booster.json"));
  const auto confusion = nlohmann::json::parse(slurp(run / "artifacts" / "confusion_matrix.json"));
  const auto& c = stored.details.at("confusion");
  for (const char* k : {"tp", "fp", "tn", "fn"}) EXPECT_EQ(confusion.at(k), c.at(k)) << k;
  EXPECT_EQ(nlohmann::json::parse(slurp(run / "artifacts" / "roc_curve.json")),
            stored.details.at("roc_curve"));
  EXPECT_EQ(nlohmann::json::parse(slurp(run / "artifacts" / "pr_curve.json")), stored.details.at("pr_curve"));
  EXPECT_EQ(nlohmann::json::parse(slurp(run / "artifacts" / "feature_importance.json")),
            stored.details.at("importance"));

  // Read back as the runs API shows it.
  TrainingRuns runs(&tracker);
  auto listed = runs.list(10, 0);
  ASSERT_EQ(listed["items"].size(), 1u);
  EXPECT_EQ(listed["items"][0]["model_version"], 1);
  auto detail = runs.get(out.run_id);
  EXPECT_EQ(detail["metric_history"]["validation_auc"].size(), rounds.size());
  EXPECT_EQ(detail["artifacts"].size(), kArtifacts.size());
}

TEST(TrainingTracking, RestTrackerSendsTheRunToTheMlflowServer) {
  DemoWorkspace ws(2000);
  test_support::MlflowStandin mlflow;
  tracking::RestOptions rest;
  rest.base_url = mlflow.url();
  tracking::RestTracker tracker(rest);
  ModelServiceOptions options;
  options.tracker = &tracker;
  ModelService models(ws.store(), ws.models_dir(), options);
  const auto out = models.train(quick_request());

  auto run = mlflow.run(out.run_id);
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->status, "FINISHED");
  EXPECT_TRUE(run->end_time.has_value());
  EXPECT_EQ(run->params.at("algorithm"), "gbdt");
  EXPECT_EQ(run->tags.at("churnwatch.model_version"), "1");
  EXPECT_EQ(run->tags.at("churnwatch.data_hash"), models.get(1).training_data_hash);
  std::size_t rounds = 0;
  for (const auto& metric : run->metrics) rounds += metric.key == "validation_auc";
  EXPECT_EQ(rounds, models.get(1).details.at("history").size());
  EXPECT_GE(mlflow.count("POST /api/2.0/mlflow/runs/create"), 1u);
  EXPECT_GE(mlflow.count("POST /api/2.0/mlflow/runs/log-batch"), 2u);
  EXPECT_GE(mlflow.count("POST /api/2.0/mlflow/runs/update"), 1u);
  std::set<std::string> uploaded;
  const std::string prefix = run->experiment_id + "/" + run->run_id + "/artifacts/";
  for (const auto& [path, body] : mlflow.artifacts()) {
    ASSERT_EQ(path.rfind(prefix, 0), 0u) << path;
    uploaded.insert(path.substr(prefix.size()));
  }
  EXPECT_EQ(uploaded, kArtifacts);
  EXPECT_EQ(mlflow.artifacts().at(prefix + "model/bundle.json"),
            slurp(ws.models_dir() / "v1" / "bundle.json"));

  TrainingRuns runs(&tracker);
  auto detail = runs.get(out.run_id);
  EXPECT_EQ(detail["model_version"], 1);
  EXPECT_EQ(detail["artifacts"].size(), kArtifacts.size());
}

TEST(TrainingTracking, AnUnreachableTrackerDoesNotStopTraining) {
  DemoWorkspace ws(1500);
  tracking::RestOptions rest;
  rest.base_url = "http://127.0.0.1:9";  // discard port: nothing listens
  rest.max_attempts = 1;
  tracking::RestTracker tracker(rest);
  ModelServiceOptions options;
  options.tracker = &tracker;
  ModelService models(ws.store(), ws.models_dir(), options);
  const auto out = models.train(quick_request());
  EXPECT_EQ(out.model.version, 1);
  EXPECT_EQ(out.run_id, "");
}

TEST(ModelService, AJobSourceRegistersOneVersionAndRestoresAMissingFolder) {
  DemoWorkspace ws(2000);
  ModelService models(ws.store(), ws.models_dir());
  auto request = quick_request();
  request.source = "job:0123";
  const auto first = models.train(request);
  EXPECT_TRUE(first.created);
  EXPECT_EQ(first.model.version, 1);
  EXPECT_EQ(first.model.artifact, "models/v1");

  // The retried job, as if its first attempt died after registering but
  // before the folder got its name.
  fs::remove_all(ws.models_dir() / "v1");
  const auto retry = models.train(request);
  EXPECT_FALSE(retry.created);
  EXPECT_EQ(retry.model.version, 1);
  EXPECT_EQ(models.list().size(), 1u);
  EXPECT_TRUE(fs::exists(ws.models_dir() / "v1" / "bundle.json"));
  EXPECT_EQ(models.production()->version, 1);
  std::size_t entries = 0;
  for (const auto& e : fs::directory_iterator(ws.models_dir()))
    entries += !e.path().filename().string().empty();
  EXPECT_EQ(entries, 1u) << "no temporary folder left";

  // Another job, another version.
  request.source = "job:4567";
  EXPECT_EQ(models.train(request).model.version, 2);
}

}  // namespace
}  // namespace churnwatch::services
