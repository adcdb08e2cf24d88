#include "services/model_service.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <unordered_map>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "ml/metrics.hpp"
#include "ml/trainer.hpp"
#include "services/training_record.hpp"

namespace churnwatch::services {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxSearchBudget = 50;

std::string version_folder(std::int64_t version) { return "v" + std::to_string(version); }

// The test metrics without the curves (those go to details).
nlohmann::json summary_metrics(const ml::Metrics& m) {
  nlohmann::json j = m;
  j.erase("roc_curve");
  j.erase("pr_curve");
  j.erase("calibration");
  return j;
}

nlohmann::json build_details(const ml::TrainResult& r) {
  const auto& meta = r.bundle.metadata();
  nlohmann::json test = meta.test;
  nlohmann::json calibration = r.calibration.calibrator;
  calibration["raw_log_loss"] = r.calibration.raw_log_loss;
  calibration["platt_log_loss"] = r.calibration.platt_log_loss;
  calibration["isotonic_log_loss"] = r.calibration.isotonic_log_loss;
  return {{"roc_curve", test["roc_curve"]},
          {"pr_curve", test["pr_curve"]},
          {"calibration_curve", test["calibration"]},
          {"confusion", test["confusion"]},
          {"importance", meta.importance},
          {"search", r.search},
          {"best_candidate", r.best_candidate},
          {"history", r.history},
          {"threshold", meta.threshold},
          {"calibration", std::move(calibration)},
          {"rows", {{"train", r.train_rows.size()},
                    {"validation", r.validation_rows.size()},
                    {"test", r.test_rows.size()}}},
          {"training_seconds", r.seconds}};
}

// Sub-progress: maps [0, 1] of a step onto [from, to] of the whole.
ProgressFn scaled(const ProgressFn& progress, double from, double to) {
  if (!progress) return {};
  return [progress, from, to](double f, std::string_view m) { progress(from + (to - from) * f, m); };
}

}  // namespace

TrainRequest parse_train_request(const nlohmann::json& body) {
  TrainRequest r;
  if (body.is_null()) return r;
  std::vector<core::FieldError> errors;
  if (!body.is_object()) throw core::Invalid("training parameters must be a JSON object");
  for (const auto& [key, value] : body.items()) {
    if (key == "algorithm") {
      if (!value.is_string()) {
        errors.push_back({key, "must be gbdt, random_forest or logistic"});
        continue;
      }
      try {
        ml::parse_algorithm(value.get<std::string>());
        r.algorithm = value.get<std::string>();
      } catch (const core::Error&) {
        errors.push_back({key, "must be gbdt, random_forest or logistic"});
      }
    } else if (key == "cost_ratio") {
      if (value.is_null()) continue;
      if (!value.is_number() || !(value.get<double>() > 0) || !std::isfinite(value.get<double>()))
        errors.push_back({key, "must be a positive number"});
      else r.cost_ratio = value.get<double>();
    } else if (key == "search_budget") {
      if (!value.is_number_integer() || value.get<int>() < 1 || value.get<int>() > kMaxSearchBudget)
        errors.push_back({key, "must be a whole number from 1 to " + std::to_string(kMaxSearchBudget)});
      else r.search_budget = value.get<int>();
    } else if (key == "seed") {
      // A body built in code holds small numbers as signed integers; parsed JSON as unsigned.
      if (!value.is_number_unsigned() && !(value.is_number_integer() && value.get<std::int64_t>() >= 0))
        errors.push_back({key, "must be a non-negative whole number"});
      else r.seed = value.get<std::uint64_t>();
    } else if (key == "auto_promote") {
      if (!value.is_boolean()) errors.push_back({key, "must be true or false"});
      else r.auto_promote = value.get<bool>();
    } else {
      errors.push_back({key, "unknown training parameter"});
    }
  }
  if (!errors.empty()) throw core::Invalid("invalid training parameters", std::move(errors));
  return r;
}

ModelService::ModelService(storage::Store& store, fs::path models_dir, ModelServiceOptions options)
    : store_(store), models_dir_(std::move(models_dir)), options_(options) {}

TrainOutcome ModelService::train(const TrainRequest& request, const ProgressFn& progress) {
  std::unique_lock lock(training_, std::try_to_lock);
  if (!lock.owns_lock()) throw core::Conflict("a model is being trained already; try again when it finishes");
  const auto started = std::chrono::steady_clock::now();
  auto schema = store_.current_schema();
  if (!schema) throw core::Invalid("no customers yet: import a customer table first");
  if (!schema->label_attribute())
    throw core::Invalid("the dataset schema has no label attribute: mark the churn outcome column as the label");

  TrainingRecord record(options_.tracker, request.algorithm, request.source.empty() ? "api" : request.source,
                        schema->version);
  if (progress) progress(0.0, "loading labelled customers");
  // In import order (row id), so the split does not depend on how ids sort.
  std::vector<std::pair<std::int64_t, core::Customer>> labelled;
  storage::CustomerQuery all;
  all.limit = 0;
  store_.for_each_customer(all, [&](const core::Customer& c) {
    if (c.label) labelled.emplace_back(c.row_id, c);
  });
  if (labelled.empty()) throw core::Invalid("no labelled customers: training needs customers with a known outcome");
  std::sort(labelled.begin(), labelled.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<nlohmann::json> rows;
  std::vector<int> labels;
  std::vector<std::string> ids;
  rows.reserve(labelled.size());
  labels.reserve(labelled.size());
  ids.reserve(labelled.size());
  for (auto& [row_id, c] : labelled) {
    rows.push_back(std::move(c.attributes));
    labels.push_back(*c.label);
    ids.push_back(std::move(c.external_id));
  }
  labelled.clear();

  ml::TrainOptions options;
  options.algorithm = ml::parse_algorithm(request.algorithm);
  options.cost_ratio = request.cost_ratio;
  options.search_budget = request.search_budget;
  options.seed = request.seed;
  options.threads = options_.threads;
  auto result = ml::train(*schema, rows, labels, options, scaled(progress, 0.05, 0.9));
  // The customers the final model was fitted on are scored by the fold model
  // that never saw them (see ml/model_bundle.hpp).
  std::unordered_map<std::string, int> members;
  members.reserve(result.train_rows.size());
  for (std::size_t i = 0; i < result.train_rows.size(); ++i)
    members.emplace(std::move(ids[result.train_rows[i]]), result.train_folds[i]);
  ids.clear();
  result.bundle.set_cross_fit_members(std::move(members));
  const auto& meta = result.bundle.metadata();

  // Compare with production on exactly the candidate's test rows.
  if (progress) progress(0.9, "comparing with the production model");
  const bool auto_promote = request.auto_promote.value_or(options_.auto_promote);
  bool promote = false;
  std::string reason;
  nlohmann::json comparison = nullptr;
  auto production = store_.production_model();
  if (!auto_promote) {
    reason = "automatic promotion is off: promote this version to use it";
  } else if (!production) {
    promote = true;
    reason = "no production model yet";
  } else {
    try {
      const auto prod = load_version(production->version);
      std::vector<nlohmann::json> test_rows;
      std::vector<int> test_labels;
      for (auto i : result.test_rows) {
        test_rows.push_back(rows[i]);
        test_labels.push_back(labels[i]);
      }
      const auto p = prod->bundle.predict_batch(test_rows);
      const auto prod_metrics = ml::evaluate(p, test_labels, prod->bundle.metadata().threshold);
      promote = ml::beats(meta.test, prod_metrics);
      comparison = {{"production_version", production->version},
                    {"production_test", summary_metrics(prod_metrics)},
                    {"candidate_test", summary_metrics(meta.test)}};
      char buf[200];
      std::snprintf(buf, sizeof buf, "%s production v%lld on the same test rows (ROC-AUC %.4f vs %.4f)",
                    promote ? "beats" : "does not beat", static_cast<long long>(production->version),
                    meta.test.roc_auc, prod_metrics.roc_auc);
      reason = buf;
    } catch (const core::Error& e) {
      // The production model cannot read the current table (schema changed).
      promote = true;
      reason = "production v" + std::to_string(production->version) +
               " cannot score the current customer table (" + e.what() + ")";
    }
  }

  // Save to a temporary folder, register (the store names the folder after
  // the version it assigns), then give the folder its version name.
  if (progress) progress(0.93, "saving the model");
  fs::create_directories(models_dir_);
  static std::atomic<unsigned> counter{0};
  const fs::path tmp = models_dir_ / (".training-" + std::to_string(::getpid()) + "-" +
                                      std::to_string(counter++) + "-" + std::to_string(core::now_unix()));
  result.bundle.save(tmp);
  nlohmann::json request_params = {{"algorithm", request.algorithm},
                                   {"search_budget", request.search_budget},
                                   {"seed", request.seed},
                                   {"cost_ratio", request.cost_ratio ? nlohmann::json(*request.cost_ratio)
                                                                     : nlohmann::json(nullptr)}};
  record.trained(result, request_params, tmp);
  storage::ModelRecord model;
  model.algorithm = request.algorithm;
  model.schema_version = schema->version;
  model.training_data_hash = meta.training_data_hash;
  model.params = meta.params;
  model.params.update(request_params);
  model.metrics = {{"test", summary_metrics(meta.test)}, {"validation", summary_metrics(meta.validation)}};
  model.details = build_details(result);
  model.details["comparison"] = comparison;
  model.details["promotion_reason"] = reason;
  model.details["run_id"] = record.run_id().empty() ? nlohmann::json(nullptr) : nlohmann::json(record.run_id());
  if (request.source.starts_with("job:")) model.source = request.source;
  const auto folder_name = models_dir_.filename();
  storage::ModelRegistration registration;
  try {
    registration = store_.register_model(
        model, [&](std::int64_t version) { return (folder_name / version_folder(version)).string(); });
    const fs::path final_dir = models_dir_ / version_folder(registration.model.version);
    std::error_code ec;
    if (registration.created) {
      fs::remove_all(final_dir, ec);  // leftovers of a lost database
      fs::rename(tmp, final_dir);
    } else if (!fs::exists(final_dir / "bundle.json")) {
      // The earlier attempt registered the version and died before its folder was in place.
      fs::remove_all(final_dir, ec);
      fs::rename(tmp, final_dir);
    } else {
      fs::remove_all(tmp, ec);
    }
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
  storage::ModelRecord stored = registration.model;
  if (!registration.created) {
    // A retry: the first attempt's decision stands, whether or not it got to promote.
    reason = stored.details.value("promotion_reason", reason);
    spdlog::info(R"({{"msg":"training job retried; its model was registered already","version":{},"source":"{}"}})",
                 stored.version, request.source);
  }

  TrainOutcome out;
  out.reason = reason;
  out.created = registration.created;
  out.run_id = record.run_id();
  if (promote && stored.stage == "candidate") {
    stored = this->promote(stored.version);
    out.promoted = true;
  }
  out.model = stored;
  out.promoted = out.promoted || stored.stage == "production";
  record.registered(stored, out.promoted);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  spdlog::info(R"({{"msg":"model trained","version":{},"algorithm":"{}","test_roc_auc":{:.4f},"promoted":{},"seconds":{:.1f}}})",
               stored.version, request.algorithm, meta.test.roc_auc, out.promoted, out.seconds);
  if (progress) progress(1.0, out.promoted ? "trained and promoted" : "trained; kept as candidate");
  return out;
}

std::vector<storage::ModelRecord> ModelService::list() { return store_.list_models(); }

storage::ModelRecord ModelService::get(std::int64_t version) {
  auto m = store_.find_model(version);
  if (!m) throw core::NotFound("no model version " + std::to_string(version));
  return *m;
}

std::shared_ptr<const LoadedModel> ModelService::load_version(std::int64_t version) {
  {
    std::lock_guard g(cache_mutex_);
    if (cache_ && cache_->version == version) return cache_;
  }
  auto dir = models_dir_ / version_folder(version);
  return std::make_shared<const LoadedModel>(LoadedModel{version, ml::ModelBundle::load(dir)});
}

storage::ModelRecord ModelService::promote(std::int64_t version) {
  get(version);
  // Load before promoting, so a version whose files are gone never becomes production.
  auto loaded = load_version(version);
  auto record = store_.promote_model(version);
  std::lock_guard g(cache_mutex_);
  cache_ = std::move(loaded);
  checked_at_ = std::chrono::steady_clock::now();
  return record;
}

std::shared_ptr<const LoadedModel> ModelService::production() {
  std::lock_guard g(cache_mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (cache_ && now - checked_at_ < options_.reload_check) return cache_;
  auto record = store_.production_model();
  checked_at_ = now;
  if (!record) {
    cache_.reset();
    throw core::Conflict("no production model: train one first (POST /api/v1/models/train or churnwatch train)");
  }
  if (!cache_ || cache_->version != record->version) {
    cache_ = std::make_shared<const LoadedModel>(
        LoadedModel{record->version, ml::ModelBundle::load(models_dir_ / version_folder(record->version))});
  }
  return cache_;
}

std::shared_ptr<const ml::ModelBundle> ModelService::production_bundle() {
  auto loaded = production();
  return {loaded, &loaded->bundle};
}

nlohmann::json model_to_json(const storage::ModelRecord& m, bool with_details) {
  nlohmann::json j = {{"version", m.version},
                      {"algorithm", m.algorithm},
                      {"stage", m.stage},
                      {"schema_version", m.schema_version},
                      {"artifact", m.artifact},
                      {"training_data_hash", m.training_data_hash},
                      {"params", m.params},
                      {"metrics", m.metrics},
                      {"created_at", m.created_at},
                      {"promoted_at", m.promoted_at.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.promoted_at)}};
  if (with_details) j["details"] = m.details;
  return j;
}

}  // namespace churnwatch::services
