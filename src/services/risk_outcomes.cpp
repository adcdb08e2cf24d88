#include "services/risk_outcomes.hpp"

#include <algorithm>
#include <chrono>
#include <map>

#include "core/clock.hpp"
#include "ml/metrics.hpp"

namespace churnwatch::services {
namespace {

std::optional<double> ratio(std::int64_t a, std::int64_t b) {
  if (b == 0) return std::nullopt;
  return static_cast<double>(a) / static_cast<double>(b);
}

nlohmann::json optional_json(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

// The Monday (UTC) of the week `t` falls in, as YYYY-MM-DD.
std::string week_start(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const sys_days day = floor<days>(t);
  const weekday wd{day};
  const auto monday = day - days{(wd.c_encoding() + 6) % 7};
  return core::to_iso8601(monday).substr(0, 10);
}

std::optional<double> median(std::vector<double> v) {
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

OutcomeReport risk_outcomes(storage::Store& store, const storage::OutcomeQuery& query) {
  OutcomeReport r;
  r.since = query.since;
  r.until = query.until;
  r.model_version = query.model_version;
  r.high_risk_threshold = query.flag_threshold;
  auto scores = store.risk_outcome_scores(query);

  std::vector<double> p;
  std::vector<int> y;
  std::vector<double> leads;
  std::map<std::string, OutcomeWeek> weeks;
  for (const auto& d : scores.departed) {
    p.push_back(d.prediction.probability);
    y.push_back(1);
    const bool flagged = !d.first_flagged_at.empty();
    auto known = core::parse_iso8601(d.departure_known_at);
    auto& week = weeks[known ? week_start(*known) : d.departure_known_at.substr(0, 10)];
    ++week.departed;
    if (flagged) {
      ++r.flagged_departed;
      ++week.flagged_departed;
      auto first = core::parse_iso8601(d.first_flagged_at);
      auto left = core::parse_iso8601(d.departed_at);
      if (first && left) leads.push_back(std::chrono::duration<double>(*left - *first).count() / 86400.0);
    }
  }
  r.departed = static_cast<std::int64_t>(scores.departed.size());
  r.active_compared = static_cast<std::int64_t>(scores.active_latest.size());
  std::int64_t flagged_active = 0;
  for (std::size_t i = 0; i < scores.active_latest.size(); ++i) {
    p.push_back(scores.active_latest[i]);
    y.push_back(0);
    if (scores.active_highest[i] >= query.flag_threshold) ++flagged_active;
  }
  if (r.departed > 0 && r.active_compared > 0) r.roc_auc = ml::roc_auc(p, y);
  r.flagged = r.flagged_departed + flagged_active;
  r.precision = ratio(r.flagged_departed, r.flagged);
  r.recall = ratio(r.flagged_departed, r.departed);
  r.median_lead_days = median(std::move(leads));
  for (auto& [start, week] : weeks) {
    week.week_start = start;
    week.recall = ratio(week.flagged_departed, week.departed);
    r.weekly.push_back(week);
  }
  r.departures = std::move(scores.departed);
  return r;
}

nlohmann::json outcome_report_to_json(const OutcomeReport& r) {
  auto weekly = nlohmann::json::array();
  for (const auto& w : r.weekly)
    weekly.push_back({{"week_start", w.week_start},
                      {"departed", w.departed},
                      {"flagged_departed", w.flagged_departed},
                      {"recall", optional_json(w.recall)}});
  return {{"since", r.since.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.since)},
          {"until", r.until.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.until)},
          {"model_version", r.model_version ? nlohmann::json(*r.model_version) : nlohmann::json(nullptr)},
          {"high_risk_threshold", r.high_risk_threshold},
          {"departed", r.departed},
          {"active_compared", r.active_compared},
          {"roc_auc", optional_json(r.roc_auc)},
          {"flagged", r.flagged},
          {"flagged_departed", r.flagged_departed},
          {"precision", optional_json(r.precision)},
          {"recall", optional_json(r.recall)},
          {"median_lead_days", optional_json(r.median_lead_days)},
          {"weekly", std::move(weekly)}};
}

}  // namespace churnwatch::services
