// A trained model as one deployable unit: the preprocessor, the XGBoost
// booster, the calibration and the metadata that says how it was made and how
// good it is. Saved as a folder of JSON files; loads in milliseconds.
//
// Cross-fitting. The final booster was fitted on the training customers, so
// its scores for them are in-sample and over-confident. A bundle may also carry
// k fold models (fold model f was fitted on the training rows outside fold f)
// and a membership map from customer key to fold: a member is scored by the
// model that never saw it, everyone else by the final model. Fold models' raw
// probabilities go through the same calibrator as the final model's.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ml/calibration.hpp"
#include "ml/explain.hpp"
#include "ml/metrics.hpp"
#include "ml/preprocessor.hpp"

namespace churnwatch::ml {

namespace xgb {
class Booster;
}

enum class Algorithm { kGbdt, kRandomForest, kLogistic };
std::string_view to_string(Algorithm a);
// Accepts "gbdt", "random_forest", "logistic"; throws Invalid otherwise.
Algorithm parse_algorithm(std::string_view s);

struct ModelMetadata {
  Algorithm algorithm = Algorithm::kGbdt;
  nlohmann::json params = nlohmann::json::object();  // XGBoost parameters and "rounds"
  int schema_version = 0;
  Metrics validation;      // at the chosen threshold, after calibration
  Metrics test;            // the held-out test split; what the registry compares
  double threshold = 0.5;  // flag a customer when probability >= threshold
  std::string training_data_hash;  // FNV-1a 64 of the training rows and labels, hex
  std::int64_t training_rows = 0;  // rows given to train() (all splits)
  std::vector<AttributeImportance> importance;  // by gain, descending
  std::string created_at;  // ISO 8601 UTC
  // Fold models that score the training customers out of fold (see
  // set_cross_fit); 0: none, every customer gets the final model.
  int cross_fit_folds = 0;
};

void to_json(nlohmann::json& j, const ModelMetadata& m);
void from_json(const nlohmann::json& j, ModelMetadata& m);

struct Prediction {
  double probability = 0;
  std::vector<Reason> reasons;  // largest |contribution| first
};

// Every const member is safe to call from many threads at once.
class ModelBundle {
 public:
  ModelBundle(Preprocessor pre, xgb::Booster booster, Calibrator calibrator, ModelMetadata meta);
  ModelBundle(ModelBundle&&) noexcept;
  ModelBundle& operator=(ModelBundle&&) noexcept;
  ~ModelBundle();

  // Writes <dir>/booster.json (XGBoost JSON model) and <dir>/bundle.json
  // (metadata, preprocessor, calibration), creating `dir`; with fold models
  // also <dir>/fold_<f>.json (XGBoost JSON) and <dir>/cross_fit.json (the
  // members), and without them removes a cross_fit.json left from before.
  // Each file is written to a temporary name and renamed, so readers never
  // see half a file.
  void save(const std::filesystem::path& dir) const;
  // Throws NotFound when the folder or a file is missing, Invalid when
  // malformed. A folder without cross_fit.json (bundles saved before
  // cross-fitting) loads without fold models.
  static ModelBundle load(const std::filesystem::path& dir);

  // Replaces the fold models (folds[f]: fitted without training fold f) and
  // forgets every member, since members name folds of the old models. An
  // empty vector turns cross-fitting off. Sets metadata().cross_fit_folds.
  // REQUIRES: no other call on this bundle runs at the same time.
  void set_cross_fit(std::vector<xgb::Booster> folds);
  // Replaces the members: customer key (the services layer uses the external
  // id) -> fold. Throws Invalid, and changes nothing, when a fold is outside
  // [0, metadata().cross_fit_folds).
  // REQUIRES: no other call on this bundle runs at the same time.
  void set_cross_fit_members(std::unordered_map<std::string, int> members);
  // The fold whose model scores `key`; -1 when `key` is not a member or the
  // bundle has no fold models (the final model scores it).
  int cross_fit_fold(std::string_view key) const;

  // One customer's churn probability and up to `top_reasons` reasons
  // (0: no reasons, the cheapest call), from the final model.
  Prediction predict(const nlohmann::json& attributes, std::size_t top_reasons = 3) const;
  // The same for the customer `key`: from its fold model when it is a member.
  Prediction predict(const nlohmann::json& attributes, std::size_t top_reasons, std::string_view key) const;
  // Probabilities for many customers from the final model; encodes and predicts on all cores.
  std::vector<double> predict_batch(const std::vector<nlohmann::json>& rows) const;
  // Probabilities for rows already encoded by preprocessor(), from the final model.
  std::vector<double> predict_matrix(const FeatureMatrix& m) const;
  // The same, row r being customer keys[r]: a member's row is scored by its
  // fold model. Throws Invalid unless keys.size() == m.rows.
  std::vector<double> predict_matrix(const FeatureMatrix& m, const std::vector<std::string>& keys) const;
  // Uncalibrated model probabilities (for calibration fitting and tests).
  std::vector<double> predict_raw(const FeatureMatrix& m) const;
  // rows x (cols + 1) SHAP contributions in log-odds, bias last, of the final model.
  std::vector<float> contributions(const FeatureMatrix& m) const;
  // The same, each row from the model predict_matrix(m, keys) scores it with.
  std::vector<float> contributions(const FeatureMatrix& m, const std::vector<std::string>& keys) const;
  // Uncalibrated probabilities straight from XGBoost's own predictor (the
  // reference the faster tree evaluator is tested against).
  std::vector<double> predict_xgboost(const FeatureMatrix& m) const;

  const ModelMetadata& metadata() const;
  ModelMetadata& metadata();
  const Preprocessor& preprocessor() const;
  const Calibrator& calibrator() const;
  void set_calibrator(Calibrator c);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// FNV-1a 64 over each row's JSON text and label, as 16 hex digits.
std::string training_data_hash(const std::vector<nlohmann::json>& rows, const std::vector<int>& labels);

}  // namespace churnwatch::ml
