#include "ml/trainer.hpp"

#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <cmath>
#include <limits>
#include <string>
#include <thread>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "ml/metrics.hpp"
#include "ml/search_space.hpp"
#include "ml/split.hpp"
#include "ml/xgb.hpp"

namespace churnwatch::ml {
namespace {

struct Part {
  FeatureMatrix x;
  std::vector<int> y;
  std::vector<float> y_float() const { return std::vector<float>(y.begin(), y.end()); }
};

Part subset(const FeatureMatrix& all, const std::vector<int>& labels,
            const std::vector<std::size_t>& idx) {
  Part p;
  p.x.rows = idx.size();
  p.x.cols = all.cols;
  p.x.values.reserve(idx.size() * all.cols);
  for (const auto i : idx) {
    p.x.values.insert(p.x.values.end(), all.row(i), all.row(i) + all.cols);
    p.y.push_back(labels[i]);
  }
  return p;
}

std::vector<double> as_double(const std::vector<float>& v) { return {v.begin(), v.end()}; }

xgb::DMatrix to_dmatrix(const Part& p, int threads) {
  xgb::DMatrix m(p.x.values.data(), p.x.rows, p.x.cols, threads);
  m.set_labels(p.y_float());
  return m;
}

// Everything a booster needs besides the data.
nlohmann::json full_params(const TrainOptions& o, const nlohmann::json& candidate,
                           const std::vector<int>& train_labels, int threads) {
  auto p = fixed_params(o.algorithm);
  p.update(candidate);
  p["seed"] = std::to_string(o.seed);
  p["nthread"] = std::to_string(threads);
  if (o.balance_classes && o.algorithm != Algorithm::kLogistic) {
    const auto pos = std::count(train_labels.begin(), train_labels.end(), 1);
    const auto neg = static_cast<std::int64_t>(train_labels.size()) - pos;
    if (pos > 0 && static_cast<double>(pos) < 0.4 * static_cast<double>(train_labels.size())) {
      p["scale_pos_weight"] = std::to_string(std::sqrt(static_cast<double>(neg) / static_cast<double>(pos)));
    }
  }
  return p;
}

xgb::Booster make_booster(const nlohmann::json& params, const std::vector<const xgb::DMatrix*>& cache) {
  xgb::Booster b(cache);
  for (const auto& [name, value] : params.items()) b.set_param(name, value.get<std::string>());
  return b;
}

int round_cap(const TrainOptions& o) { return uses_boosting_rounds(o.algorithm) ? o.max_rounds : 1; }

// One cross-validation fold of one candidate, run to its own early stop:
// held-out log loss and AUC after every round.
struct FoldCurve {
  std::vector<double> log_loss, auc;
};

FoldCurve run_fold(const TrainOptions& o, const nlohmann::json& params, const Part& fit,
                   const Part& held) {
  // Each task owns its matrices: XGBoost builds histogram indices lazily
  // inside a DMatrix, so sharing one between concurrent boosters would race.
  const auto dfit = to_dmatrix(fit, 1);
  const auto dheld = to_dmatrix(held, 1);
  auto booster = make_booster(params, {&dfit, &dheld});
  FoldCurve curve;
  double best = std::numeric_limits<double>::infinity();
  int best_round = 0;
  for (int r = 0; r < round_cap(o); ++r) {
    booster.update(r, dfit);
    const auto p = as_double(booster.predict(dheld));
    curve.log_loss.push_back(log_loss(p, held.y));
    curve.auc.push_back(roc_auc(p, held.y));
    if (curve.log_loss.back() < best - 1e-7) {
      best = curve.log_loss.back();
      best_round = r;
    } else if (r - best_round >= o.early_stopping_rounds) {
      break;
    }
  }
  return curve;
}

// The candidate's score: the round with the lowest mean held-out log loss
// over the rounds every fold reached, and the fold AUCs at that round.
CandidateResult summarise(const nlohmann::json& candidate, const std::vector<FoldCurve>& folds) {
  std::size_t common = std::numeric_limits<std::size_t>::max();
  for (const auto& f : folds) common = std::min(common, f.log_loss.size());
  const auto k = static_cast<double>(folds.size());
  std::size_t best = 0;
  double best_loss = std::numeric_limits<double>::infinity();
  for (std::size_t r = 0; r < common; ++r) {
    double mean = 0;
    for (const auto& f : folds) mean += f.log_loss[r] / k;
    if (mean < best_loss - 1e-7) {
      best_loss = mean;
      best = r;
    }
  }
  CandidateResult c;
  c.params = candidate;
  c.rounds = static_cast<int>(best) + 1;
  c.cv_log_loss = best_loss;
  double sum = 0, sq = 0;
  for (std::size_t f = 0; f < folds.size(); ++f) {
    const double auc = folds[f].auc[best];
    c.folds.push_back({static_cast<int>(f), auc, folds[f].log_loss[best]});
    sum += auc;
    sq += auc * auc;
  }
  c.cv_auc = sum / k;
  c.cv_auc_std = std::sqrt(std::max(0.0, sq / k - c.cv_auc * c.cv_auc));
  return c;
}

// Runs `tasks` on up to `threads` threads; the first exception is rethrown.
void run_parallel(std::size_t tasks, int threads, const std::function<void(std::size_t)>& task) {
  std::atomic<std::size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < tasks;) {
      try {
        task(i);
      } catch (...) {
        const std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
        next = tasks;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < std::min<int>(threads, static_cast<int>(tasks)); ++t) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

void check_input(const std::vector<nlohmann::json>& rows, const std::vector<int>& labels) {
  if (rows.size() != labels.size()) {
    throw core::Invalid("got " + std::to_string(rows.size()) + " rows but " +
                        std::to_string(labels.size()) + " labels");
  }
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] != 0 && labels[i] != 1) {
      throw core::Invalid("label of row " + std::to_string(i + 1) + " is " +
                          std::to_string(labels[i]) + "; labels must be 0 or 1");
    }
  }
}

void check_options(const TrainOptions& o) {
  std::vector<core::FieldError> errors;
  if (o.cv_folds < 2) errors.push_back({"cv_folds", "must be at least 2", {}, {}});
  if (o.search_budget < 1) errors.push_back({"search_budget", "must be at least 1", {}, {}});
  if (o.max_rounds < 1) errors.push_back({"max_rounds", "must be at least 1", {}, {}});
  if (o.early_stopping_rounds < 1) errors.push_back({"early_stopping_rounds", "must be at least 1", {}, {}});
  if (o.cost_ratio && !(*o.cost_ratio > 0)) errors.push_back({"cost_ratio", "must be positive", {}, {}});
  if (!errors.empty()) throw core::Invalid("invalid training options", std::move(errors));
}

}  // namespace

TrainResult train(const core::DatasetSchema& schema, const std::vector<nlohmann::json>& rows,
                  const std::vector<int>& labels, const TrainOptions& o, const ProgressFn& progress) {
  const auto started = std::chrono::steady_clock::now();
  auto report = [&](double f, std::string_view msg) {
    if (progress) progress(std::clamp(f, 0.0, 1.0), msg);
  };
  check_options(o);
  check_input(rows, labels);
  const int threads = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // XGBoost's own threads only pay off on large tables (see the search below).
  constexpr std::size_t kRowsPerXgbThread = 100000;
  const int xgb_threads = static_cast<int>(std::clamp<std::size_t>(rows.size() / kRowsPerXgbThread, 1,
                                                                   static_cast<std::size_t>(threads)));

  report(0.0, "splitting data");
  const auto split = stratified_split(labels, o.validation_fraction, o.test_fraction, o.seed);
  std::vector<nlohmann::json> train_rows;
  train_rows.reserve(split.train.size());
  for (const auto i : split.train) train_rows.push_back(rows[i]);
  const auto policy = o.algorithm == Algorithm::kLogistic ? MissingPolicy::kImputeScale
                                                          : MissingPolicy::kKeepMissing;
  auto pre = Preprocessor::fit(schema, train_rows, policy);
  const auto all = pre.transform(rows);
  const auto train_part = subset(all, labels, split.train);
  const auto valid_part = subset(all, labels, split.validation);
  const auto test_part = subset(all, labels, split.test);

  // Cross-validated search on the training rows: every (candidate, fold)
  // pair is an independent single-threaded task, spread over the cores.
  // Small tables train far faster this way than with XGBoost's own threads,
  // whose OpenMP barriers cost more than the work per round.
  const auto fold_of = stratified_folds(train_part.y, o.cv_folds, o.seed + 1);
  std::vector<std::pair<Part, Part>> folds;
  for (int f = 0; f < o.cv_folds; ++f) {
    std::vector<std::size_t> fit_idx, held_idx;
    for (std::size_t i = 0; i < fold_of.size(); ++i) (fold_of[i] == f ? held_idx : fit_idx).push_back(i);
    folds.emplace_back(subset(train_part.x, train_part.y, fit_idx),
                       subset(train_part.x, train_part.y, held_idx));
  }
  const auto candidates = search_candidates(o.algorithm, o.search_budget, o.seed);
  const std::size_t k = folds.size();
  std::vector<FoldCurve> curves(candidates.size() * k);
  std::mutex progress_mutex;
  std::size_t done = 0;
  report(0.05, "cross-validating " + std::to_string(candidates.size()) + " candidates");
  run_parallel(curves.size(), threads, [&](std::size_t t) {
    const auto params = full_params(o, candidates[t / k], train_part.y, 1);
    curves[t] = run_fold(o, params, folds[t % k].first, folds[t % k].second);
    const std::lock_guard lock(progress_mutex);
    ++done;
    report(0.05 + 0.7 * static_cast<double>(done) / static_cast<double>(curves.size()),
           "cross-validated " + std::to_string(done) + " of " + std::to_string(curves.size()) +
               " candidate folds");
  });
  std::vector<CandidateResult> search;
  std::size_t best_candidate = 0;
  for (std::size_t c = 0; c < candidates.size(); ++c) {
    search.push_back(summarise(candidates[c], {curves.begin() + static_cast<long>(c * k),
                                               curves.begin() + static_cast<long>((c + 1) * k)}));
    if (search[c].cv_auc > search[best_candidate].cv_auc) best_candidate = c;
  }
  const auto& best = search[best_candidate];

  // Cross-fit models: the winner refitted on each fold's complement for its
  // cross-validated round count, so every training customer can be scored by
  // a model that never saw it (the final model's scores for them are
  // in-sample). Same folds, parameters and seed as the search.
  report(0.75, "training " + std::to_string(k) + " cross-fit models");
  const int fold_rounds = uses_boosting_rounds(o.algorithm) ? best.rounds : round_cap(o);
  std::vector<xgb::Booster> fold_boosters(k);
  done = 0;
  run_parallel(k, threads, [&](std::size_t f) {
    const auto params = full_params(o, best.params, train_part.y, 1);
    const auto dfit = to_dmatrix(folds[f].first, 1);
    auto booster = make_booster(params, {&dfit});
    for (int r = 0; r < fold_rounds; ++r) booster.update(r, dfit);
    fold_boosters[f] = std::move(booster);
    const std::lock_guard lock(progress_mutex);
    ++done;
    report(0.75 + 0.05 * static_cast<double>(done) / static_cast<double>(k),
           "trained " + std::to_string(done) + " of " + std::to_string(k) + " cross-fit models");
  });
  folds.clear();

  // Final model on all training rows, early stopping on validation.
  report(0.8, "training the final model");
  std::vector<RoundMetrics> history;
  auto params = full_params(o, best.params, train_part.y, xgb_threads);
  auto dtrain = to_dmatrix(train_part, xgb_threads);
  auto dvalid = to_dmatrix(valid_part, xgb_threads);
  auto booster = make_booster(params, {&dtrain, &dvalid});
  double best_loss = std::numeric_limits<double>::infinity();
  int best_round = 0;
  const int cap = round_cap(o);
  for (int r = 0; r < cap; ++r) {
    booster.update(r, dtrain);
    const auto pt = as_double(booster.predict(dtrain));
    const auto pv = as_double(booster.predict(dvalid));
    history.push_back({r, log_loss(pt, train_part.y), log_loss(pv, valid_part.y), roc_auc(pv, valid_part.y)});
    if (history.back().validation_log_loss < best_loss - 1e-7) {
      best_loss = history.back().validation_log_loss;
      best_round = r;
    } else if (r - best_round >= o.early_stopping_rounds) {
      break;
    }
    report(0.8 + 0.1 * (r + 1) / cap, "training the final model");
  }
  const int rounds = best_round + 1;
  if (rounds < booster.rounds()) {
    if (o.algorithm == Algorithm::kLogistic) {
      // The linear booster cannot be sliced; retraining it is cheap.
      booster = make_booster(params, {&dtrain});
      for (int r = 0; r < rounds; ++r) booster.update(r, dtrain);
    } else {
      booster = booster.slice(rounds);
    }
  }
  params["rounds"] = rounds;

  report(0.9, "calibrating and evaluating");
  const auto gain = booster.feature_scores(o.algorithm == Algorithm::kLogistic ? "weight" : "total_gain", pre.cols());
  ModelMetadata meta;
  meta.algorithm = o.algorithm;
  meta.params = params;
  meta.params.erase("nthread");
  meta.schema_version = schema.version;
  meta.training_data_hash = training_data_hash(rows, labels);
  meta.training_rows = static_cast<std::int64_t>(rows.size());
  meta.created_at = core::now_iso8601();
  ModelBundle bundle(std::move(pre), std::move(booster), Calibrator{}, std::move(meta));
  bundle.set_cross_fit(std::move(fold_boosters));

  const auto valid_raw = bundle.predict_raw(valid_part.x);
  auto calibration = choose_calibration(valid_raw, valid_part.y, o.seed + 2);
  bundle.set_calibrator(calibration.calibrator);
  const auto valid_p = bundle.predict_matrix(valid_part.x);
  const double threshold = choose_threshold(valid_p, valid_part.y, ThresholdRule{o.cost_ratio});
  const auto test_p = bundle.predict_matrix(test_part.x);
  auto& m = bundle.metadata();
  m.threshold = threshold;
  m.validation = evaluate(valid_p, valid_part.y, threshold);
  m.test = evaluate(test_p, test_part.y, threshold);
  m.importance = global_importance(bundle.preprocessor(), gain, bundle.contributions(test_part.x),
                                   test_part.x.rows);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  report(1.0, "done");
  return TrainResult{.bundle = std::move(bundle),
                     .search = std::move(search),
                     .best_candidate = best_candidate,
                     .history = std::move(history),
                     .calibration = std::move(calibration),
                     .train_rows = split.train,
                     .train_folds = fold_of,
                     .validation_rows = split.validation,
                     .test_rows = split.test,
                     .seconds = seconds};
}

void to_json(nlohmann::json& j, const RoundMetrics& r) {
  j = {{"round", r.round},
       {"train_log_loss", r.train_log_loss},
       {"validation_log_loss", r.validation_log_loss},
       {"validation_auc", r.validation_auc}};
}

void to_json(nlohmann::json& j, const CandidateResult& c) {
  auto folds = nlohmann::json::array();
  for (const auto& f : c.folds) folds.push_back({{"fold", f.fold}, {"auc", f.auc}, {"log_loss", f.log_loss}});
  j = {{"params", c.params},
       {"cv_auc", c.cv_auc},
       {"cv_auc_std", c.cv_auc_std},
       {"cv_log_loss", c.cv_log_loss},
       {"rounds", c.rounds},
       {"folds", folds}};
}

}  // namespace churnwatch::ml
