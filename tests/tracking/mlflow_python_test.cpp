// Checks the file store with MLflow itself when the Python package is
// installed (it is not a dependency; the test skips without it).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "tracking/file_tracker.hpp"
#include "tracking/mlflow_text.hpp"
#include "tracking_test_support.hpp"

namespace churnwatch::tracking {
namespace {

bool python_has_mlflow() {
  return std::system("/usr/bin/python3 -c 'import mlflow' >/dev/null 2>&1") == 0;
}

std::string run_python(const std::filesystem::path& script) {
  std::string out;
  FILE* p = popen(("/usr/bin/python3 " + script.string() + " 2>&1").c_str(), "r");
  if (!p) return out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  pclose(p);
  return out;
}

TEST(MlflowItself, ReadsOurFileStoreAndWritesOneWeRead) {
  if (!python_has_mlflow())
    GTEST_SKIP() << "the Python mlflow package is not installed for /usr/bin/python3; "
                    "the layout is covered field by field in FileLayout tests";
  test_support::ScratchDir dir;
  FileTracker tracker(dir.path() / "mlruns");
  auto run = tracker.start_run("churn", "ours");
  tracker.log_params(run, {{"max_depth", "6"}});
  tracker.log_metrics(run, {{"auc", 0.5, 0, 1700000000000}, {"auc", 0.75, 1, 1700000000001}});
  tracker.end_run(run, RunStatus::kFinished);

  auto script = dir.path() / "check.py";
  test_support::spit(script, R"(import json, mlflow
from mlflow.tracking import MlflowClient
c = MlflowClient(tracking_uri=")" + tracker.location() + R"(")
r = c.get_run(")" + run.run_id + R"(")
h = [m.value for m in c.get_metric_history(r.info.run_id, "auc")]
exp = c.get_experiment_by_name("churn")
theirs = c.create_run(exp.experiment_id, run_name="theirs")
c.log_param(theirs.info.run_id, "C", "1.0")
c.log_metric(theirs.info.run_id, "auc", 0.9, timestamp=1700000000000, step=2)
c.set_terminated(theirs.info.run_id)
print(json.dumps({"name": r.info.run_name, "status": r.info.status, "params": r.data.params,
                  "history": h, "exp": exp.experiment_id, "theirs": theirs.info.run_id}))
)");
  std::string out = run_python(script);
  auto last_line = out.substr(out.rfind('{'));
  auto doc = nlohmann::json::parse(last_line, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << out;
  EXPECT_EQ(doc["name"], "ours");
  EXPECT_EQ(doc["status"], "FINISHED");
  EXPECT_EQ(doc["params"]["max_depth"], "6");
  EXPECT_EQ(doc["history"], nlohmann::json::array({0.5, 0.75}));
  EXPECT_EQ(doc["exp"], run.experiment_id);
  auto theirs = tracker.get_run(doc["theirs"].get<std::string>());
  EXPECT_EQ(theirs.name, "theirs");
  EXPECT_EQ(theirs.status, RunStatus::kFinished);
  EXPECT_EQ(theirs.params.at("C"), "1.0");
  EXPECT_DOUBLE_EQ(theirs.latest_metrics.at("auc").value, 0.9);
}

}  // namespace
}  // namespace churnwatch::tracking
