// Scoring use cases with the production model: what-if predictions, scoring
// one stored customer, batch scoring of all (or filtered) customers into the
// risk history, and the risk summary.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ml/explain.hpp"
#include "ml/risk.hpp"
#include "services/model_service.hpp"
#include "services/progress.hpp"
#include "services/read_cache.hpp"
#include "services/risk_outcomes.hpp"
#include "storage/store.hpp"

namespace churnwatch::services {

struct ScoringOptions {
  ml::RiskLevels levels;                                // default: five bands
  double high_risk_threshold = ml::kDefaultHighRiskThreshold;
  std::size_t batch_size = 5000;                        // customers per predict/append round
  std::size_t top_reasons = 3;
};

struct PredictResult {
  double probability = 0;
  std::string risk_level;
  std::vector<ml::Reason> reasons;  // largest effect first
  std::int64_t model_version = 0;
};

struct ScoreAllResult {
  std::string run_id;  // every risk row of the run carries it
  std::int64_t scored = 0;
  std::map<std::string, std::int64_t> by_level;  // every configured level, 0 when empty
  std::int64_t model_version = 0;
  double seconds = 0;
};

class ScoringService {
 public:
  ScoringService(storage::Store& store, ModelService& models, ScoringOptions options = {});

  // What-if: scores an attributes object without storing anything. Values are
  // checked against the schema (unknown attribute, wrong type, unknown
  // category: Invalid naming "attributes.<name>"); missing ones count as
  // unknown. Conflict when there is no production model.
  PredictResult predict(const nlohmann::json& attributes);

  // Scores a stored active customer and appends the result to its risk
  // history (a run of its own). NotFound when no such customer; Conflict
  // when it has departed (its last score stays its prediction of record).
  storage::RiskRecord score_customer(std::string_view id);

  // Scores every active customer matching `filter` (limit/offset and any
  // status in it ignored: departed customers are never scored) in batches
  // of options.batch_size, appending one history row per customer.
  ScoreAllResult score_all(const storage::CustomerQuery& filter, const ProgressFn& progress = {});

  // Newest first; NotFound when no such customer.
  std::vector<storage::RiskRecord> history(std::string_view id, std::int64_t limit);

  storage::RiskSummary summary(std::int64_t limit, int days);

  // The outcome report over departures known in [since, until) ("" for
  // unbounded), flagging at the high-risk threshold.
  OutcomeReport outcomes(const std::string& since, const std::string& until,
                         std::optional<std::int64_t> model_version);

  const ScoringOptions& options() const { return options_; }

  // With a cache, what-if predictions are served from it (keyed by model
  // version, schema version and the canonical attributes). Set once at
  // start-up; `reads` must outlive this.
  void set_cache(ReadCache* reads) { reads_ = reads; }

 private:
  storage::Store& store_;
  ModelService& models_;
  ScoringOptions options_;
  ReadCache* reads_ = nullptr;
};

nlohmann::json predict_result_to_json(const PredictResult& r);
// The inverse of predict_result_to_json (for cached predictions).
PredictResult predict_result_from_json(const nlohmann::json& j);
nlohmann::json risk_record_to_json(const storage::RiskRecord& r);
nlohmann::json score_all_result_to_json(const ScoreAllResult& r);
// Includes the configured levels and threshold so a reader can draw the bands.
nlohmann::json risk_summary_to_json(const storage::RiskSummary& s, const ScoringOptions& options);

}  // namespace churnwatch::services
