// A compact evaluator for XGBoost tree ensembles (gbtree, including random
// forests), built from the booster's JSON model. Batch scoring is the hot
// path of nightly re-scoring: XGBoost's general predictor spends ~10 ns per
// tree and row on the shallow trees churn models use; this flat layout,
// evaluated tree-major over blocks of rows, is several times faster. SHAP
// explanations and the linear booster still go through XGBoost, and a test
// keeps both predictors in agreement.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

namespace churnwatch::ml {

class Forest {
 public:
  // The ensemble of a binary:logistic gbtree model saved as XGBoost JSON, or
  // nullopt when the model is of another kind (linear, categorical splits, ...).
  static std::optional<Forest> from_model_json(const nlohmann::json& model);

  // Log-odds for `rows` rows of `cols` floats (row-major, NaN = missing).
  void margins(const float* x, std::size_t rows, std::size_t cols, double* out) const;
  std::size_t trees() const { return roots_.size(); }

 private:
  // Every walk takes exactly the tree's depth steps: a leaf is a node whose
  // both ways lead back to itself (threshold NaN, left = itself - 1), so the
  // loop has a fixed trip count and no data-dependent exit.
  struct Node {
    std::int32_t feature;  // 0 for a leaf
    float value;           // split threshold (go left when x < value); NaN for a leaf
    std::int32_t left;      // the right child is left + 1
    std::int32_t nan_left;  // 1 when a missing value goes left, else 0
  };
  static std::int32_t step(const Node& n, const float* row);

  std::vector<Node> nodes_;
  std::vector<float> leaf_values_;  // per node; 0 for split nodes
  std::vector<std::int32_t> roots_;
  std::vector<std::int32_t> depths_;
  double base_margin_ = 0;
  std::int32_t max_feature_ = -1;
};

}  // namespace churnwatch::ml
