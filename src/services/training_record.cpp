#include "services/training_record.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <fstream>

#include "core/clock.hpp"
#include "core/errors.hpp"

#ifndef CHURNWATCH_GIT_COMMIT
#define CHURNWATCH_GIT_COMMIT ""
#endif

namespace churnwatch::services {
namespace {

namespace fs = std::filesystem;

std::string param_text(const nlohmann::json& v) {
  if (v.is_null()) return "none";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

void add_measures(std::vector<tracking::Metric>& out, const std::string& prefix, const ml::Metrics& m) {
  for (const auto& [key, value] :
       std::initializer_list<std::pair<const char*, double>>{{"roc_auc", m.roc_auc},
                                                             {"pr_auc", m.pr_auc},
                                                             {"log_loss", m.log_loss},
                                                             {"brier", m.brier},
                                                             {"accuracy", m.accuracy},
                                                             {"precision", m.precision},
                                                             {"recall", m.recall},
                                                             {"f1", m.f1}}) {
    out.push_back({prefix + key, value, 0, 0});
  }
}

// A scratch folder for the JSON artifacts, removed when done.
class ScratchDir {
 public:
  ScratchDir() {
    static std::atomic<unsigned> counter{0};
    path_ = fs::temp_directory_path() /
            ("churnwatch-run-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path write(const std::string& name, const nlohmann::json& j) const {
    const fs::path p = path_ / name;
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << j.dump(2) << '\n';
    if (!out.flush()) throw core::Unavailable("cannot write '" + p.string() + "'");
    return p;
  }

 private:
  fs::path path_;
};

}  // namespace

std::string build_git_commit() { return CHURNWATCH_GIT_COMMIT; }

template <class Fn>
void TrainingRecord::guarded(const char* what, Fn&& fn) {
  if (!run_) return;
  try {
    fn(run_->handle());
  } catch (const std::exception& e) {
    spdlog::warn(
        R"({{"msg":"experiment tracking failed; training goes on unrecorded","step":"{}","run_id":"{}","tracking":"{}","error":{}}})",
        what, run_->handle().run_id, tracker_->location(), nlohmann::json(e.what()).dump());
  }
}

TrainingRecord::TrainingRecord(tracking::Tracker* tracker, const std::string& algorithm,
                               const std::string& source, int schema_version)
    : tracker_(tracker) {
  if (!tracker_) return;
  tracking::Tags tags = {{"mlflow.source.name", "churnwatch"},
                         {kTagSource, source},
                         {"churnwatch.schema_version", std::to_string(schema_version)}};
  if (const auto commit = build_git_commit(); !commit.empty()) tags["mlflow.source.git.commit"] = commit;
  try {
    run_ = std::make_unique<tracking::RunScope>(*tracker_, kTrainingExperiment,
                                                algorithm + " " + core::now_iso8601(), tags);
  } catch (const std::exception& e) {
    spdlog::warn(
        R"({{"msg":"experiment tracking failed; training goes on unrecorded","step":"start","tracking":"{}","error":{}}})",
        tracker_->location(), nlohmann::json(e.what()).dump());
  }
}

std::string TrainingRecord::run_id() const { return run_ ? run_->handle().run_id : ""; }

void TrainingRecord::trained(const ml::TrainResult& result, const nlohmann::json& request_params,
                             const fs::path& bundle_dir) {
  guarded("results", [&](const tracking::RunHandle& run) {
    const auto& meta = result.bundle.metadata();
    tracking::Params params;
    for (const auto& [key, value] : request_params.items()) params[key] = param_text(value);
    params["rows_train"] = std::to_string(result.train_rows.size());
    params["rows_validation"] = std::to_string(result.validation_rows.size());
    params["rows_test"] = std::to_string(result.test_rows.size());
    for (const auto& [key, value] : meta.params.items()) params["xgb." + key] = param_text(value);
    tracker_->log_params(run, params);
    tracker_->set_tags(
        run, {{"churnwatch.data_hash", meta.training_data_hash},
              {"churnwatch.calibration", nlohmann::json(result.calibration.calibrator).value("method", "")}});

    std::vector<tracking::Metric> metrics;
    for (const auto& r : result.history) {
      metrics.push_back({"train_log_loss", r.train_log_loss, r.round, 0});
      metrics.push_back({"validation_log_loss", r.validation_log_loss, r.round, 0});
      metrics.push_back({"validation_auc", r.validation_auc, r.round, 0});
    }
    for (std::size_t c = 0; c < result.search.size(); ++c)
      metrics.push_back({"search_cv_auc", result.search[c].cv_auc, static_cast<std::int64_t>(c), 0});
    if (!result.search.empty()) {
      for (const auto& f : result.search[result.best_candidate].folds) {
        metrics.push_back({"cv_auc", f.auc, f.fold, 0});
        metrics.push_back({"cv_log_loss", f.log_loss, f.fold, 0});
      }
    }
    add_measures(metrics, "test_", meta.test);
    add_measures(metrics, "validation_", meta.validation);
    metrics.push_back({"threshold", meta.threshold, 0, 0});
    metrics.push_back({"training_seconds", result.seconds, 0, 0});
    tracker_->log_metrics(run, metrics);

    for (const auto& entry : fs::directory_iterator(bundle_dir)) {
      if (entry.is_regular_file()) tracker_->log_artifact(run, entry.path(), "model");
    }
    ScratchDir scratch;
    nlohmann::json test = meta.test;
    tracker_->log_artifact(run, scratch.write("feature_importance.json", meta.importance));
    tracker_->log_artifact(run, scratch.write("roc_curve.json", test["roc_curve"]));
    tracker_->log_artifact(run, scratch.write("pr_curve.json", test["pr_curve"]));
    tracker_->log_artifact(run, scratch.write("confusion_matrix.json", {{"threshold", meta.threshold},
                                                                        {"tp", meta.test.confusion.tp},
                                                                        {"fp", meta.test.confusion.fp},
                                                                        {"tn", meta.test.confusion.tn},
                                                                        {"fn", meta.test.confusion.fn}}));
  });
}

void TrainingRecord::registered(const storage::ModelRecord& model, bool promoted) {
  guarded("registration", [&](const tracking::RunHandle& run) {
    tracker_->set_tags(run, {{kTagModelVersion, std::to_string(model.version)},
                             {"churnwatch.promoted", promoted ? "true" : "false"}});
    run_->finish(tracking::RunStatus::kFinished);
  });
}

}  // namespace churnwatch::services
