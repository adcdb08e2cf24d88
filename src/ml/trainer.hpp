// Training: from customers' attribute objects and 0/1 labels to a calibrated,
// evaluated ModelBundle.
//
// Procedure (all seeded, so the same input gives the same model):
//  1. stratified split into train / validation / test (60/20/20 by default);
//  2. the preprocessor is fitted on the training rows only;
//  3. budgeted search: each candidate of search_space.hpp is scored by
//     stratified k-fold cross-validation on the training rows; every fold
//     trains until its held-out log loss has not improved for
//     `early_stopping_rounds`, the candidate's round count is the one with the
//     lowest mean held-out log loss, and the best mean held-out ROC-AUC at that
//     round wins. (candidate, fold) pairs run in parallel, one thread each;
//  4. the winner is refitted on each fold's complement for its cross-validated
//     round count (the cross-fit models: they score training customers out of
//     fold, see model_bundle.hpp), then retrained on all training rows with
//     early stopping on the validation rows (log loss): the final model;
//  5. calibration (none / Platt / isotonic) and the decision threshold (max F1,
//     or minimal expected cost for a cost ratio) are chosen on validation;
//  6. the test rows, untouched until now, give the reported metrics.
// Class imbalance: trees weight positives by sqrt(negatives / positives) when
// positives are under 40% (balance_classes); calibration then restores honest
// probabilities and the threshold is chosen for the decision that matters.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "core/schema.hpp"
#include "ml/calibration.hpp"
#include "ml/model_bundle.hpp"

namespace churnwatch::ml {

// Progress of a long operation: fraction done in [0, 1] and a short message.
// Same shape as services::ProgressFn.
using ProgressFn = std::function<void(double fraction, std::string_view message)>;

struct TrainOptions {
  Algorithm algorithm = Algorithm::kGbdt;
  std::uint64_t seed = 42;
  double validation_fraction = 0.2;
  double test_fraction = 0.2;
  int cv_folds = 3;
  int search_budget = 6;            // candidates tried; 1 = defaults only, no search
  int max_rounds = 1000;            // boosting rounds cap
  int early_stopping_rounds = 40;
  std::optional<double> cost_ratio; // false-negative cost / false-positive cost; unset: max F1
  bool balance_classes = true;
  int threads = 0;                  // 0: all cores
};

// Metrics of the final training run after each boosting round.
struct RoundMetrics {
  int round = 0;
  double train_log_loss = 0, validation_log_loss = 0, validation_auc = 0;
};

// One fold of one candidate's cross-validation, at the candidate's best round.
struct FoldMetrics {
  int fold = 0;
  double auc = 0, log_loss = 0;
};

struct CandidateResult {
  nlohmann::json params;  // the searched parameters only
  double cv_auc = 0, cv_auc_std = 0, cv_log_loss = 0;
  int rounds = 0;  // best round count found by cross-validation
  std::vector<FoldMetrics> folds;
};

struct TrainResult {
  ModelBundle bundle;
  std::vector<CandidateResult> search;
  std::size_t best_candidate = 0;
  std::vector<RoundMetrics> history;
  CalibrationChoice calibration;
  // Row indices into the input of train(): the services layer scores the
  // production model on exactly `test_rows` before calling beats().
  std::vector<std::size_t> train_rows;
  // train_folds[i]: the cross-validation fold of row train_rows[i], which is
  // also the cross-fit model that never saw it. The services layer passes
  // these to bundle.set_cross_fit_members() under the customers' keys;
  // validation and test rows are no members (the final model never saw them).
  std::vector<int> train_folds;
  std::vector<std::size_t> validation_rows, test_rows;
  double seconds = 0;
};

// Trains a model. `rows[i]` is customer i's attribute object and `labels[i]`
// its outcome (1 churned). Throws Invalid when labels are not 0/1, lengths
// differ, or a class is too small to split.
TrainResult train(const core::DatasetSchema& schema, const std::vector<nlohmann::json>& rows,
                  const std::vector<int>& labels, const TrainOptions& options,
                  const ProgressFn& progress = {});

void to_json(nlohmann::json& j, const RoundMetrics& r);
void to_json(nlohmann::json& j, const CandidateResult& c);

}  // namespace churnwatch::ml
