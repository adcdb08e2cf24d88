// The mlruns folder checked field by field against what MLflow 2.x writes,
// so `mlflow ui` reads our runs and we read MLflow's.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <regex>
#include <thread>

#include "core/errors.hpp"
#include "tracking/file_io.hpp"
#include "tracking/file_tracker.hpp"
#include "tracking/mlflow_text.hpp"
#include "tracking_test_support.hpp"

namespace churnwatch::tracking {
namespace {

namespace fs = std::filesystem;
using test_support::ScratchDir;
using test_support::slurp;
using test_support::spit;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<std::string> keys_of(const std::string& yaml) {
  std::vector<std::string> keys;
  for (const auto& line : lines_of(yaml)) keys.push_back(line.substr(0, line.find(':')));
  return keys;
}

TEST(FileLayout, NewFolderHasTrashAndTheDefaultExperiment) {
  ScratchDir dir;
  FileTracker tracker(dir.path() / "mlruns");
  fs::path root = fs::absolute(dir.path() / "mlruns");
  EXPECT_TRUE(fs::is_directory(root / ".trash"));
  std::string meta = slurp(root / "0" / "meta.yaml");
  EXPECT_EQ(keys_of(meta), (std::vector<std::string>{"artifact_location", "creation_time", "experiment_id",
                                                     "last_update_time", "lifecycle_stage", "name"}));
  EXPECT_NE(meta.find("artifact_location: file://" + (root / "0").string() + "\n"), std::string::npos) << meta;
  EXPECT_NE(meta.find("experiment_id: '0'\n"), std::string::npos) << meta;
  EXPECT_NE(meta.find("lifecycle_stage: active\n"), std::string::npos);
  EXPECT_NE(meta.find("name: Default\n"), std::string::npos);
  EXPECT_TRUE(std::regex_search(meta, std::regex("creation_time: 1[0-9]{12}\n")));
  EXPECT_EQ(tracker.location(), "file://" + root.string());
}

TEST(FileLayout, RunFolderMatchesMlflowFieldByField) {
  ScratchDir dir;
  FileTracker tracker(dir.path() / "mlruns");
  fs::path root = tracker.root();
  auto run = tracker.start_run("churn", "gbdt", {{"mlflow.source.git.commit", "0a1b2c"}});

  // Experiment: a numeric id, quoted in YAML since it reads as a number.
  ASSERT_TRUE(std::regex_match(run.experiment_id, std::regex("[1-9][0-9]*")));
  std::string exp_meta = slurp(root / run.experiment_id / "meta.yaml");
  EXPECT_NE(exp_meta.find("experiment_id: '" + run.experiment_id + "'\n"), std::string::npos) << exp_meta;
  EXPECT_NE(exp_meta.find("name: churn\n"), std::string::npos);

  fs::path run_dir = root / run.experiment_id / run.run_id;
  ASSERT_TRUE(std::regex_match(run.run_id, std::regex("[0-9a-f]{32}")));
  for (const char* sub : {"metrics", "params", "tags", "artifacts"}) EXPECT_TRUE(fs::is_directory(run_dir / sub)) << sub;
  std::string meta = slurp(run_dir / "meta.yaml");
  EXPECT_EQ(keys_of(meta),
            (std::vector<std::string>{"artifact_uri", "deleted_time", "end_time", "entry_point_name", "experiment_id",
                                      "lifecycle_stage", "run_id", "run_name", "run_uuid", "source_name",
                                      "source_type", "source_version", "start_time", "status", "tags", "user_id"}));
  auto m = read_yaml(meta);
  EXPECT_EQ(m["artifact_uri"], "file://" + (run_dir / "artifacts").string());
  EXPECT_EQ(run.artifact_uri, m["artifact_uri"]);
  EXPECT_EQ(m["deleted_time"], "null");
  EXPECT_EQ(m["end_time"], "null");
  EXPECT_NE(meta.find("entry_point_name: ''\n"), std::string::npos);
  EXPECT_EQ(m["experiment_id"], run.experiment_id);
  EXPECT_EQ(m["lifecycle_stage"], "active");
  EXPECT_EQ(m["run_id"], run.run_id);
  EXPECT_EQ(m["run_uuid"], run.run_id);
  EXPECT_EQ(m["run_name"], "gbdt");
  EXPECT_EQ(m["source_type"], "4");
  EXPECT_NE(meta.find("source_version: ''\n"), std::string::npos);
  EXPECT_NE(meta.find("status: 1\n"), std::string::npos) << "RUNNING is 1";
  EXPECT_NE(meta.find("tags: []\n"), std::string::npos);
  EXPECT_FALSE(m["user_id"].empty());
  EXPECT_EQ(slurp(run_dir / "tags" / "mlflow.runName"), "gbdt");
  EXPECT_EQ(slurp(run_dir / "tags" / "mlflow.user"), m["user_id"]);
  EXPECT_EQ(slurp(run_dir / "tags" / "mlflow.source.git.commit"), "0a1b2c");

  tracker.log_params(run, {{"max_depth", "6"}, {"objective", "binary:logistic"}});
  EXPECT_EQ(slurp(run_dir / "params" / "max_depth"), "6") << "no trailing newline";
  EXPECT_EQ(slurp(run_dir / "params" / "objective"), "binary:logistic");

  tracker.log_metrics(run, {{"val_auc", 0.5, 0, 1700000000000}, {"val_auc", 1.0, 1, 1700000000001},
                            {"val/logloss", 1e-05, 3, 1700000000002}});
  EXPECT_EQ(slurp(run_dir / "metrics" / "val_auc"), "1700000000000 0.5 0\n1700000000001 1.0 1\n");
  EXPECT_EQ(slurp(run_dir / "metrics" / "val" / "logloss"), "1700000000002 1e-05 3\n");

  spit(dir.path() / "model.json", "{\"trees\": []}");
  tracker.log_artifact(run, dir.path() / "model.json", "model");
  tracker.log_artifact(run, dir.path() / "model.json");
  EXPECT_EQ(slurp(run_dir / "artifacts" / "model" / "model.json"), "{\"trees\": []}");
  EXPECT_EQ(slurp(run_dir / "artifacts" / "model.json"), "{\"trees\": []}");

  tracker.end_run(run, RunStatus::kFinished);
  m = read_yaml(slurp(run_dir / "meta.yaml"));
  EXPECT_EQ(m["status"], "3") << "FINISHED is 3";
  EXPECT_TRUE(std::regex_match(m["end_time"], std::regex("1[0-9]{12}")));
  EXPECT_GE(std::stoll(m["end_time"]), std::stoll(m["start_time"]));
  EXPECT_EQ(m["run_name"], "gbdt");
  // Nothing left behind by atomic writes.
  for (const auto& e : fs::recursive_directory_iterator(root))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
}

TEST(FileLayout, RenamingThroughTheRunNameTagUpdatesMeta) {
  ScratchDir dir;
  FileTracker tracker(dir.path());
  auto run = tracker.start_run("churn", "first");
  tracker.set_tags(run, {{"mlflow.runName", "second: with colon"}});
  auto m = read_yaml(slurp(dir.path() / run.experiment_id / run.run_id / "meta.yaml"));
  EXPECT_EQ(m["run_name"], "second: with colon");
  EXPECT_EQ(tracker.get_run(run.run_id).name, "second: with colon");
}

TEST(FileLayout, ExperimentsKeepTheirRunsApart) {
  ScratchDir dir;
  FileTracker tracker(dir.path());
  auto a = tracker.start_run("alpha", "a1");
  auto b = tracker.start_run("beta", "b1");
  auto a2 = tracker.start_run("alpha", "a2");
  EXPECT_EQ(a.experiment_id, a2.experiment_id);
  EXPECT_NE(a.experiment_id, b.experiment_id);
  EXPECT_TRUE(fs::exists(dir.path() / a.experiment_id / a2.run_id));
  EXPECT_EQ(tracker.list_runs("alpha", 10).size(), 2u);
  EXPECT_EQ(tracker.list_runs("beta", 10).size(), 1u);
  // A second tracker over the same folder sees the same experiments.
  FileTracker again(dir.path());
  EXPECT_EQ(again.start_run("beta", "b2").experiment_id, b.experiment_id);
}

// A run as MLflow 2.x itself writes it (2-field metric lines from old
// versions included) reads back through our tracker.
TEST(FileLayout, ReadsRunsWrittenByMlflow) {
  ScratchDir dir;
  FileTracker tracker(dir.path());
  std::string id = "4f1c0e5bd3a84f0f9bd1c1f6b0e2a7c9";
  fs::path run_dir = dir.path() / "0" / id;
  spit(run_dir / "meta.yaml",
       "artifact_uri: file:///tmp/mlruns/0/" + id + "/artifacts\n"
       "end_time: 1700000009000\n"
       "entry_point_name: ''\n"
       "experiment_id: '0'\n"
       "lifecycle_stage: active\n"
       "run_id: " + id + "\n"
       "run_name: bittersweet-fox-42\n"
       "run_uuid: " + id + "\n"
       "source_name: ''\n"
       "source_type: 4\n"
       "source_version: ''\n"
       "start_time: 1700000000000\n"
       "status: 3\n"
       "tags: []\n"
       "user_id: analyst\n");
  spit(run_dir / "metrics" / "auc", "1700000001000 0.7 0\n1700000002000 0.9\n1700000003000 0.8 2\n");
  spit(run_dir / "params" / "C", "1.0");
  spit(run_dir / "tags" / "mlflow.runName", "bittersweet-fox-42");
  auto info = tracker.get_run(id);
  EXPECT_EQ(info.name, "bittersweet-fox-42");
  EXPECT_EQ(info.status, RunStatus::kFinished);
  EXPECT_EQ(info.start_time, 1700000000000);
  EXPECT_EQ(info.end_time, 1700000009000);
  EXPECT_EQ(info.user_id, "analyst");
  EXPECT_EQ(info.params.at("C"), "1.0");
  ASSERT_EQ(info.metric_history.at("auc").size(), 3u);
  EXPECT_EQ(info.metric_history.at("auc")[1].step, 0) << "a missing step is 0";
  EXPECT_DOUBLE_EQ(info.latest_metrics.at("auc").value, 0.8);
  EXPECT_EQ(tracker.list_runs("Default", 5).at(0).run_id, id);
}

TEST(FileLayout, ConcurrentAppendsToOneMetricNeverInterleave) {
  ScratchDir dir;
  FileTracker tracker(dir.path());
  auto run = tracker.start_run("churn", "threads");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      FileTracker own(dir.path());  // separate instances, as separate processes would have
      for (int i = 0; i < 100; ++i) own.log_metrics(run, {{"loss", t + i / 1000.0, i, 1700000000000 + i}});
    });
  for (auto& th : threads) th.join();
  auto lines = lines_of(slurp(dir.path() / run.experiment_id / run.run_id / "metrics" / "loss"));
  ASSERT_EQ(lines.size(), 400u);
  for (const auto& l : lines) EXPECT_TRUE(std::regex_match(l, std::regex("17000000000[0-9]{2} [0-9.]+ [0-9]+"))) << l;
}

TEST(FileLayout, ProcessesRacingToCreateAnExperimentShareOne) {
  ScratchDir dir;
  { FileTracker init(dir.path()); }
  struct Child {
    pid_t pid;
    int error_pipe;  // read end: what the child threw, if anything
  };
  std::vector<Child> children;
  for (int i = 0; i < 4; ++i) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      std::string error;
      try {
        FileTracker tracker(dir.path());
        auto run = tracker.start_run("shared", "proc " + std::to_string(i));
        tracker.log_metrics(run, {{"auc", 0.5}});
        tracker.end_run(run);
        _exit(0);
      } catch (const std::exception& e) {
        error = e.what();
      } catch (...) {
        error = "an exception that is not a std::exception";
      }
      (void)!write(fds[1], error.data(), error.size());
      _exit(1);
    }
    close(fds[1]);
    children.push_back({pid, fds[0]});
  }
  for (const auto& child : children) {
    std::string error;
    char buf[512];
    for (ssize_t n; (n = read(child.error_pipe, buf, sizeof buf)) > 0;)
      error.append(buf, static_cast<std::size_t>(n));
    close(child.error_pipe);
    int status = 0;
    waitpid(child.pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "a process failed to record its run: " << (error.empty() ? "(it was killed)" : error);
  }
  int shared = 0;
  for (const auto& e : fs::directory_iterator(dir.path()))
    if (fs::exists(e.path() / "meta.yaml") && read_yaml(slurp(e.path() / "meta.yaml"))["name"] == "shared") ++shared;
  EXPECT_EQ(shared, 1);
  FileTracker tracker(dir.path());
  auto runs = tracker.list_runs("shared", 10);
  ASSERT_EQ(runs.size(), 4u);
  for (const auto& r : runs) EXPECT_EQ(r.status, RunStatus::kFinished);
}

// read_file is asked for a file another process is about to create; it
// must say "not there" or return it whole, never fail.
TEST(FileLayout, ReadingAFileWhileAnotherProcessCreatesItNeverFails) {
  ScratchDir dir;
  const fs::path target = dir.path() / "meta.yaml";
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 2000 && !stop; ++i) {
      create_file_once(target, "name: x\n");
      fs::remove(target);
    }
    stop = true;
  });
  int reads = 0;
  std::string failure;
  while (!stop) {
    try {
      auto text = read_file(target);
      if (text && !text->empty() && *text != "name: x\n") failure = "half a file: " + *text;
      ++reads;
    } catch (const std::exception& e) {
      failure = e.what();
      stop = true;
    }
  }
  writer.join();
  EXPECT_EQ(failure, "");
  EXPECT_GT(reads, 0);
}

TEST(FileLayout, HandlesFromAnotherFolderAreNotFound) {
  ScratchDir dir;
  FileTracker tracker(dir.path());
  RunHandle forged{"../../etc", "0", ""};
  EXPECT_THROW(tracker.log_params(forged, {{"a", "b"}}), core::NotFound);
  EXPECT_THROW(tracker.get_run("not-a-run-id"), core::NotFound);
}

}  // namespace
}  // namespace churnwatch::tracking
