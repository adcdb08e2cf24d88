// A trained model as one deployable unit: the preprocessor, the XGBoost
// booster, the calibration and the metadata that says how it was made and how
// good it is. Saved as a folder of two JSON files; loads in milliseconds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
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
  // (metadata, preprocessor, calibration), creating `dir`. Each file is
  // written to a temporary name and renamed, so readers never see half a file.
  void save(const std::filesystem::path& dir) const;
  // Throws NotFound when the folder or a file is missing, Invalid when malformed.
  static ModelBundle load(const std::filesystem::path& dir);

  // One customer's churn probability and up to `top_reasons` reasons
  // (0: no reasons, the cheapest call).
  Prediction predict(const nlohmann::json& attributes, std::size_t top_reasons = 3) const;
  // Probabilities for many customers; encodes and predicts on all cores.
  std::vector<double> predict_batch(const std::vector<nlohmann::json>& rows) const;
  // Probabilities for rows already encoded by preprocessor().
  std::vector<double> predict_matrix(const FeatureMatrix& m) const;
  // Uncalibrated model probabilities (for calibration fitting and tests).
  std::vector<double> predict_raw(const FeatureMatrix& m) const;
  // rows x (cols + 1) SHAP contributions in log-odds, bias last.
  std::vector<float> contributions(const FeatureMatrix& m) const;
  // Uncalibrated probabilities straight from XGBoost's own predictor (the
  // reference the faster tree evaluator is tested against).
  std::vector<double> predict_xgboost(const FeatureMatrix& m) const;

  const ModelMetadata& metadata() const;
  ModelMetadata& metadata();
  const Preprocessor& preprocessor() const;
  const Calibrator& calibrator() const;
  void set_calibrator(Calibrator c);

 private:
  std::vector<double> raw_probabilities(const float* x, std::size_t rows, std::size_t cols) const;

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// FNV-1a 64 over each row's JSON text and label, as 16 hex digits.
std::string training_data_hash(const std::vector<nlohmann::json>& rows, const std::vector<int>& labels);

}  // namespace churnwatch::ml
