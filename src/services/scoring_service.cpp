#include "services/scoring_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>
#include <thread>

#include "core/errors.hpp"
#include "core/metrics.hpp"
#include "core/random.hpp"
#include "services/customers.hpp"

namespace churnwatch::services {
namespace {

// Predictions served, by how they were asked for: what_if (nothing stored),
// customer (one stored score), batch (rows of a scoring run).
core::Counter& predictions_metric(const char* mode) {
  static auto& family = core::default_metrics().counter(
      "churnwatch_predictions_total", "Churn probabilities computed, by mode (what_if, customer, batch).", {"mode"});
  return family.with({mode});
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// Probabilities and top reasons for one batch, in the batch's order. The
// probability comes from the bundle's fast evaluator; the reasons from one
// SHAP pass over the whole batch.
std::vector<storage::RiskRecord> score_batch(const LoadedModel& model, const ml::RiskLevels& levels,
                                             std::size_t top, std::vector<std::string>& ids,
                                             std::vector<nlohmann::json>& rows) {
  const auto& bundle = model.bundle;
  const auto& pre = bundle.preprocessor();
  const auto m = pre.transform(rows);
  // Customers the model was trained on get their out-of-fold score.
  const auto p = bundle.predict_matrix(m, ids);
  std::vector<storage::RiskRecord> out(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto& r = out[i];
    r.customer_id = ids[i];
    r.model_version = model.version;
    r.probability = std::clamp(p[i], 0.0, 1.0);
    r.risk_level = std::string(levels.level(r.probability));
  }
  if (top > 0) {
    // SHAP dominates the cost and the bundle computes it on one thread per
    // call (its const members are thread-safe), so the batch is cut into one
    // slice per core.
    const std::size_t threads = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 16);
    const std::size_t slice = (rows.size() + threads - 1) / threads;
    auto explain = [&](std::size_t from, std::size_t to) {
      ml::FeatureMatrix part;
      part.rows = to - from;
      part.cols = m.cols;
      part.values.assign(m.values.begin() + static_cast<std::ptrdiff_t>(from * m.cols),
                         m.values.begin() + static_cast<std::ptrdiff_t>(to * m.cols));
      const std::vector<std::string> part_ids(ids.begin() + static_cast<std::ptrdiff_t>(from),
                                              ids.begin() + static_cast<std::ptrdiff_t>(to));
      const auto contribs = bundle.contributions(part, part_ids);
      const std::size_t stride = m.cols + 1;
      for (std::size_t i = from; i < to; ++i) {
        const float* c = contribs.data() + (i - from) * stride;
        const double base = bundle.calibrator().apply(sigmoid(c[m.cols]));
        out[i].reasons = ml::top_reasons(pre, rows[i], c, out[i].probability, base, top);
      }
    };
    std::vector<std::future<void>> running;
    for (std::size_t from = slice; from < rows.size(); from += slice)
      running.push_back(std::async(std::launch::async, explain, from, std::min(rows.size(), from + slice)));
    explain(0, std::min(rows.size(), slice));
    for (auto& f : running) f.get();
  }
  ids.clear();
  rows.clear();
  return out;
}

}  // namespace

ScoringService::ScoringService(storage::Store& store, ModelService& models, ScoringOptions options)
    : store_(store), models_(models), options_(std::move(options)) {
  // Every mode shows from the first scrape, at 0 until it is used.
  for (const char* mode : {"what_if", "customer", "batch"}) predictions_metric(mode);
}

PredictResult ScoringService::predict(const nlohmann::json& attributes) {
  auto schema = store_.current_schema();
  if (!schema) throw core::Invalid("no dataset schema yet: import a customer table first");
  std::vector<core::FieldError> errors;
  auto typed = validate_attributes(*schema, attributes, errors, "attributes.");
  if (!errors.empty()) throw core::Invalid("invalid attributes", std::move(errors));
  auto model = models_.production();
  std::string key;
  if (reads_) {
    key = prediction_key(model->version, schema->version,
                         typed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    if (auto hit = reads_->prediction(key)) return predict_result_from_json(nlohmann::json::parse(*hit));
  }
  auto p = model->bundle.predict(typed, options_.top_reasons);
  static auto& what_if = predictions_metric("what_if");
  what_if.inc();
  PredictResult result{p.probability, std::string(options_.levels.level(p.probability)), std::move(p.reasons),
                       model->version};
  if (reads_)
    reads_->store_prediction(
        key, predict_result_to_json(result).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return result;
}

storage::RiskRecord ScoringService::score_customer(std::string_view id) {
  auto c = store_.find_customer(id);
  if (!c) throw core::NotFound("no customer with id '" + std::string(id) + "'");
  if (c->departed())
    throw core::Conflict("customer '" + c->external_id + "' departed on " + c->departed_at.substr(0, 10) +
                         "; departed customers are not scored again (their last score is kept)");
  auto model = models_.production();
  auto p = model->bundle.predict(c->attributes, options_.top_reasons, c->external_id);
  storage::RiskRecord r;
  r.customer_id = c->external_id;
  r.model_version = model->version;
  r.probability = std::clamp(p.probability, 0.0, 1.0);
  r.risk_level = std::string(options_.levels.level(r.probability));
  r.reasons = p.reasons;
  r.run_id = core::random_hex(8);
  store_.append_risk({r});
  static auto& customer = predictions_metric("customer");
  customer.inc();
  // The store filled previous/change; read back what it wrote.
  if (auto current = store_.current_risk(c->external_id)) return *current;
  return r;
}

ScoreAllResult ScoringService::score_all(const storage::CustomerQuery& filter, const ProgressFn& progress) {
  const auto started = std::chrono::steady_clock::now();
  auto model = models_.production();  // one model for the whole run
  storage::CustomerQuery q = filter;
  q.status = storage::StatusFilter::kActive;
  q.limit = 1;
  q.offset = 0;
  const auto total = store_.list_customers(q).total;
  q.limit = 0;

  ScoreAllResult result;
  result.run_id = core::random_hex(8);
  result.model_version = model->version;
  for (const auto& band : options_.levels.bands()) result.by_level[band.name] = 0;
  if (progress) progress(0.0, "scoring " + std::to_string(total) + " customers");

  std::vector<std::string> ids;
  std::vector<nlohmann::json> rows;
  const std::size_t batch = std::max<std::size_t>(1, options_.batch_size);
  ids.reserve(batch);
  rows.reserve(batch);
  using Clock = std::chrono::steady_clock;
  double score_seconds = 0, write_seconds = 0;
  auto flush = [&] {
    if (rows.empty()) return;
    const auto t0 = Clock::now();
    auto records = score_batch(*model, options_.levels, options_.top_reasons, ids, rows);
    for (auto& r : records) {
      ++result.by_level[r.risk_level];
      r.run_id = result.run_id;
    }
    result.scored += static_cast<std::int64_t>(records.size());
    static auto& batch_rows = predictions_metric("batch");
    batch_rows.inc(static_cast<double>(records.size()));
    const auto t1 = Clock::now();
    store_.append_risk(std::move(records));
    score_seconds += std::chrono::duration<double>(t1 - t0).count();
    write_seconds += std::chrono::duration<double>(Clock::now() - t1).count();
    if (progress && total > 0)
      progress(std::min(1.0, double(result.scored) / double(total)),
               "scored " + std::to_string(result.scored) + " of " + std::to_string(total));
  };
  store_.for_each_customer(q, [&](const core::Customer& c) {
    ids.push_back(c.external_id);
    rows.push_back(c.attributes);
    if (rows.size() >= batch) flush();
  });
  flush();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  spdlog::info(R"({{"msg":"customers scored","scored":{},"model_version":{},"seconds":{:.2f},"score_seconds":{:.2f},"write_seconds":{:.2f}}})",
               result.scored, result.model_version, result.seconds, score_seconds, write_seconds);
  if (progress) progress(1.0, "scored " + std::to_string(result.scored) + " customers");
  return result;
}

std::vector<storage::RiskRecord> ScoringService::history(std::string_view id, std::int64_t limit) {
  if (!store_.find_customer(id)) throw core::NotFound("no customer with id '" + std::string(id) + "'");
  return store_.risk_history(id, limit);
}

storage::RiskSummary ScoringService::summary(std::int64_t limit, int days) {
  return store_.risk_summary(options_.high_risk_threshold, limit, days);
}

OutcomeReport ScoringService::outcomes(const std::string& since, const std::string& until,
                                       std::optional<std::int64_t> model_version) {
  return risk_outcomes(store_, {since, until, model_version, options_.high_risk_threshold});
}

namespace {

nlohmann::json optional_number(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json predict_result_to_json(const PredictResult& r) {
  return {{"probability", r.probability},
          {"risk_level", r.risk_level},
          {"reasons", r.reasons},
          {"model_version", r.model_version}};
}

PredictResult predict_result_from_json(const nlohmann::json& j) {
  PredictResult r;
  r.probability = j.at("probability").get<double>();
  r.risk_level = j.at("risk_level").get<std::string>();
  r.model_version = j.at("model_version").get<std::int64_t>();
  for (const auto& x : j.at("reasons")) {
    ml::Reason reason;
    reason.attribute = x.at("attribute").get<std::string>();
    reason.value = x.at("value");
    reason.contribution = x.at("contribution").get<double>();
    reason.log_odds = x.at("log_odds").get<double>();
    reason.text = x.at("text").get<std::string>();
    r.reasons.push_back(std::move(reason));
  }
  return r;
}

nlohmann::json risk_record_to_json(const storage::RiskRecord& r) {
  return {{"customer_id", r.customer_id},
          {"model_version", r.model_version},
          {"probability", r.probability},
          {"risk_level", r.risk_level},
          {"reasons", r.reasons},
          {"previous_probability", optional_number(r.previous_probability)},
          {"change", optional_number(r.change)},
          {"relative_change", optional_number(r.relative_change)},
          {"scored_at", r.scored_at}};
}

nlohmann::json score_all_result_to_json(const ScoreAllResult& r) {
  return {{"run_id", r.run_id},
          {"scored", r.scored},
          {"by_level", r.by_level},
          {"model_version", r.model_version},
          {"seconds", r.seconds}};
}

nlohmann::json risk_summary_to_json(const storage::RiskSummary& s, const ScoringOptions& options) {
  auto by_level = nlohmann::json::array();
  for (const auto& [level, count] : s.by_level) by_level.push_back({{"level", level}, {"customers", count}});
  auto records = [](const std::vector<storage::RiskRecord>& rs) {
    auto a = nlohmann::json::array();
    for (const auto& r : rs) a.push_back(risk_record_to_json(r));
    return a;
  };
  auto daily = nlohmann::json::array();
  for (const auto& [date, avg, count] : s.daily)
    daily.push_back({{"date", date}, {"average_probability", avg}, {"scores", count}});
  return {{"population", "active"},
          {"active_customers", s.active_customers},
          {"departed_customers", s.departed_customers},
          {"scored", s.scored},
          {"average_probability", s.average_probability},
          {"high_risk_threshold", options.high_risk_threshold},
          {"levels", options.levels},
          {"by_level", std::move(by_level)},
          {"high_risk", records(s.highest)},
          {"biggest_increases", records(s.biggest_increases)},
          {"daily", std::move(daily)}};
}

}  // namespace churnwatch::services
