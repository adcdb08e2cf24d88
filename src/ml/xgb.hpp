// Thin RAII layer over XGBoost's C API: every call is checked and a failure
// becomes core::Unavailable carrying XGBoost's own message. Nothing outside
// src/ml sees an XGBoost handle.
#pragma once

#include <xgboost/c_api.h>

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace churnwatch::ml::xgb {

// Throws core::Unavailable with XGBGetLastError() when `rc` is non-zero.
void check(int rc, const char* what);

// A dense row-major float matrix owned by XGBoost (copied on creation).
class DMatrix {
 public:
  DMatrix(const float* data, std::size_t rows, std::size_t cols, int threads);
  ~DMatrix();
  DMatrix(DMatrix&& other) noexcept : handle_(other.handle_) { other.handle_ = nullptr; }
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
  DMatrix& operator=(DMatrix&&) = delete;

  void set_labels(const std::vector<float>& labels);
  DMatrixHandle handle() const { return handle_; }

 private:
  DMatrixHandle handle_ = nullptr;
};

class Booster {
 public:
  // A booster that trains on `cache` (the DMatrices it will see).
  explicit Booster(const std::vector<const DMatrix*>& cache = {});
  ~Booster();
  Booster(Booster&& other) noexcept : handle_(other.handle_) { other.handle_ = nullptr; }
  Booster& operator=(Booster&& other) noexcept;
  Booster(const Booster&) = delete;
  Booster& operator=(const Booster&) = delete;

  void set_param(const std::string& name, const std::string& value);
  void update(int iteration, const DMatrix& train);
  // Probabilities for a DMatrix; incremental (cached) for a DMatrix the
  // booster was created with. Metrics are computed by the caller: XGBoost's
  // own AUC metric sorts with the process-wide OpenMP thread count and
  // ignores the booster's nthread.
  std::vector<float> predict(const DMatrix& data) const;
  int rounds() const;
  // Rounds [0, end) as a new booster (tree boosters only).
  Booster slice(int end) const;

  // Probabilities (or margins) for a dense row-major matrix; in-place prediction
  // for tree boosters, a DMatrix for the linear one (which has no in-place path).
  // Safe to call from many threads at once: XGBoost keeps output buffers per thread.
  std::vector<float> predict_dense(const float* data, std::size_t rows, std::size_t cols,
                                   bool margin, bool inplace) const;
  // SHAP contributions: rows x (cols + 1), the last column being the bias.
  std::vector<float> contributions(const DMatrix& data) const;
  // Importance per column index for `type` ("total_gain", "weight", ...).
  std::vector<double> feature_scores(const std::string& type, std::size_t cols) const;

  std::string save_json() const;
  static Booster load_json(const std::string& json);
  void save_file(const std::filesystem::path& path) const;
  static Booster load_file(const std::filesystem::path& path);

 private:
  BoosterHandle handle_ = nullptr;
};

}  // namespace churnwatch::ml::xgb
