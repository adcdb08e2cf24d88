// Outcomes, measured: how well the scores made before customers left
// predicted that they would. Over the customers whose departure became known
// in a window (and who were scored before it), each with its prediction of
// record (the last score before the departure), against the active
// customers scored in the same scoring runs.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "storage/store.hpp"

namespace churnwatch::services {

struct OutcomeWeek {
  std::string week_start;  // the Monday (UTC) of the week the departures became known
  std::int64_t departed = 0;
  std::int64_t flagged_departed = 0;
  std::optional<double> recall;
};

struct OutcomeReport {
  std::string since, until;  // the window, as asked (until defaults to now)
  std::optional<std::int64_t> model_version;
  double high_risk_threshold = 0;
  std::int64_t departed = 0;         // departures known in the window, scored before
  std::int64_t active_compared = 0;  // active customers scored in the same runs
  std::optional<double> roc_auc;     // departed (positive) vs active, prediction of record vs latest
  std::int64_t flagged = 0;          // of both: a score >= threshold (departed: before leaving)
  std::int64_t flagged_departed = 0;
  std::optional<double> precision, recall;
  std::optional<double> median_lead_days;  // first high-risk score to departed_at, flagged departed
  std::vector<OutcomeWeek> weekly;         // oldest first
  // The departed customers behind the figures (for monitoring rules and tests).
  std::vector<storage::DepartureOutcome> departures;
};

// Computes the report from the store. Throws what the store throws.
OutcomeReport risk_outcomes(storage::Store& store, const storage::OutcomeQuery& query);

nlohmann::json outcome_report_to_json(const OutcomeReport& r);

}  // namespace churnwatch::services
