// SqlStore: risk history and current risk. Appends are the backend's
// (write_risk); reads and the summary are shared SQL.
#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "storage/db_errors.hpp"
#include "storage/lifecycle_sql.hpp"
#include "storage/sql_query.hpp"
#include "storage/sql_store.hpp"

namespace churnwatch::storage {

namespace {

// One record's columns, from risk_history or customer_risk (same names)
// aliased "r" and joined to customers.
const char* const kRiskColumns =
    "SELECT customers.external_id, r.model_version, r.probability, r.risk_level, r.reasons,"
    " r.previous_probability, r.change, r.relative_change, r.scored_at";
const char* const kHistoryFrom =
    " FROM risk_history r JOIN customers ON customers.row_id = r.customer_row_id";
const char* const kCurrentFrom =
    " FROM customer_risk r JOIN customers ON customers.row_id = r.customer_row_id";
// The current risk of active customers: what the summary speaks of.
const std::string kActiveCurrentFrom = std::string(kCurrentFrom) + " AND " + kActiveCustomer;

struct RiskRow {
  std::string customer_id;
  long long model_version = 0;
  double probability = 0;
  std::string risk_level, reasons;
  double previous = 0, change = 0, relative = 0;
  soci::indicator previous_ind = soci::i_null, change_ind = soci::i_null,
                  relative_ind = soci::i_null;
  std::string scored_at;

  void bind(soci::statement& st) {
    st.exchange(soci::into(customer_id));
    st.exchange(soci::into(model_version));
    st.exchange(soci::into(probability));
    st.exchange(soci::into(risk_level));
    st.exchange(soci::into(reasons));
    st.exchange(soci::into(previous, previous_ind));
    st.exchange(soci::into(change, change_ind));
    st.exchange(soci::into(relative, relative_ind));
    st.exchange(soci::into(scored_at));
  }
  RiskRecord to_record() const {
    auto optional = [](double v, soci::indicator ind) {
      return ind == soci::i_ok ? std::optional<double>(v) : std::nullopt;
    };
    RiskRecord r;
    r.customer_id = customer_id;
    r.model_version = model_version;
    r.probability = probability;
    r.risk_level = risk_level;
    r.reasons = nlohmann::json::parse(reasons);
    r.previous_probability = optional(previous, previous_ind);
    r.change = optional(change, change_ind);
    r.relative_change = optional(relative, relative_ind);
    r.scored_at = scored_at;
    return r;
  }
};

std::vector<RiskRecord> query_risk(soci::session& sql, const std::string& from_where_order,
                                   std::vector<SqlParam> params) {
  std::vector<RiskRecord> out;
  RiskRow row;
  run_query(sql, kRiskColumns + from_where_order, params, row,
            [&] { out.push_back(row.to_record()); });
  return out;
}

}  // namespace

void SqlStore::append_risk(std::vector<RiskRecord> records) {
  std::string now = core::now_iso8601();
  for (RiskRecord& r : records) {
    if (!std::isfinite(r.probability) || r.probability < 0 || r.probability > 1) {
      std::string why = "a probability must be between 0 and 1";
      throw core::Invalid("the risk of customer '" + r.customer_id + "' is " +
                              std::to_string(r.probability) + ": " + why,
                          {{"probability", why, std::nullopt, std::nullopt}});
    }
    if (r.scored_at.empty()) r.scored_at = now;
  }
  if (records.empty()) return;
  std::unique_lock lock(write_mu_);
  write_risk(records);
}

std::vector<RiskRecord> SqlStore::risk_history(std::string_view customer_id,
                                               std::int64_t limit) {
  SqlParams params;
  std::string rest = std::string(kHistoryFrom) +
                     " WHERE customers.external_id = " + params.add(std::string(customer_id)) +
                     " ORDER BY r.scored_at DESC, r.id DESC" + dialect_.limit_offset(limit, 0, params);
  try {
    auto sql = readers_->borrow();
    return query_risk(*sql, rest, params.values());
  } catch (...) {
    rethrow_as_store_error("reading a risk history");
  }
}

std::optional<RiskRecord> SqlStore::current_risk(std::string_view customer_id) {
  try {
    auto sql = readers_->borrow();
    auto found = query_risk(*sql, std::string(kCurrentFrom) + " WHERE customers.external_id = :p1",
                            {std::string(customer_id)});
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
  } catch (...) {
    rethrow_as_store_error("reading a current risk");
  }
}

RiskSummary SqlStore::risk_summary(double high_threshold, std::int64_t limit, int days) {
  RiskSummary out;
  try {
    auto sql = heavy_read_session();
    // One read transaction, so every part describes the same moment.
    soci::transaction tx(*sql);
    long long scored = 0, active = 0, departed = 0;
    *sql << "SELECT COUNT(*), COALESCE(AVG(r.probability), 0.0)" + kActiveCurrentFrom, soci::into(scored),
        soci::into(out.average_probability);
    out.scored = scored;
    *sql << "SELECT COUNT(*), COALESCE(SUM(CASE WHEN label = 1 THEN 1 ELSE 0 END), 0) FROM customers",
        soci::into(active), soci::into(departed);
    out.departed_customers = departed;
    out.active_customers = active - departed;

    struct LevelRow {
      std::string level;
      long long count = 0;
      void bind(soci::statement& st) {
        st.exchange(soci::into(level));
        st.exchange(soci::into(count));
      }
    } level_row;
    std::vector<SqlParam> none;
    run_query(*sql,
              "SELECT r.risk_level, COUNT(*)" + kActiveCurrentFrom +
                  " GROUP BY r.risk_level ORDER BY MIN(r.probability), r.risk_level",
              none, level_row, [&] { out.by_level.emplace_back(level_row.level, level_row.count); });

    if (limit > 0) {
      SqlParams p;
      std::string rest = kActiveCurrentFrom + " WHERE r.probability >= " + p.add(high_threshold) +
                         " ORDER BY r.probability DESC, customers.external_id" +
                         dialect_.limit_offset(limit, 0, p);
      out.highest = query_risk(*sql, rest, p.values());
      SqlParams q;
      rest = kActiveCurrentFrom + " WHERE r.change > 0 ORDER BY r.change DESC, customers.external_id" +
             dialect_.limit_offset(limit, 0, q);
      out.biggest_increases = query_risk(*sql, rest, q.values());
    }

    if (days > 0) {
      // The first day of the window as the text every later scored_at sorts after.
      auto first_day = std::chrono::system_clock::now() - std::chrono::hours(24) * (days - 1);
      std::vector<SqlParam> since{core::to_iso8601(first_day).substr(0, 10)};
      struct DayRow {
        std::string day;
        double average = 0;
        long long count = 0;
        void bind(soci::statement& st) {
          st.exchange(soci::into(day));
          st.exchange(soci::into(average));
          st.exchange(soci::into(count));
        }
      } day_row;
      run_query(*sql,
                "SELECT substr(r.scored_at, 1, 10), AVG(r.probability), COUNT(*)" +
                    std::string(kHistoryFrom) + " AND " + kActiveCustomer +
                    " WHERE r.scored_at >= :p1 GROUP BY substr(r.scored_at, 1, 10) ORDER BY 1",
                since, day_row, [&] { out.daily.emplace_back(day_row.day, day_row.average, day_row.count); });
    }
    tx.commit();
  } catch (...) {
    rethrow_as_store_error("summarising risk");
  }
  return out;
}

OutcomeScores SqlStore::risk_outcome_scores(const OutcomeQuery& q) {
  OutcomeScores out;
  try {
    auto sql = heavy_read_session();
    soci::transaction tx(*sql);
    // Every score of each departed customer made before the departure,
    // oldest first: the last is the prediction of record.
    SqlParams p;
    std::string where =
        " WHERE customers.label = 1 AND customers.departure_known_at IS NOT NULL"
        " AND r.scored_at < customers.departure_known_at"
        " AND r.scored_at < COALESCE(customers.departed_at, customers.departure_known_at)";
    if (!q.since.empty()) where += " AND customers.departure_known_at >= " + p.add(q.since);
    if (!q.until.empty()) where += " AND customers.departure_known_at < " + p.add(q.until);
    if (q.model_version) where += " AND r.model_version = " + p.add(static_cast<long long>(*q.model_version));
    struct DepartedRow {
      RiskRow risk;
      std::string departed_at, known_at, run_id;
      soci::indicator departed_ind = soci::i_null, run_ind = soci::i_null;
      void bind(soci::statement& st) {
        risk.bind(st);
        st.exchange(soci::into(departed_at, departed_ind));
        st.exchange(soci::into(known_at));
        st.exchange(soci::into(run_id, run_ind));
      }
    } row;
    run_query(*sql,
              std::string(kRiskColumns) + ", customers.departed_at, customers.departure_known_at, r.run_id" +
                  kHistoryFrom + where +
                  " ORDER BY customers.departure_known_at, customers.row_id, r.scored_at, r.id",
              p.values(), row, [&] {
                if (out.departed.empty() || out.departed.back().customer_id != row.risk.customer_id) {
                  DepartureOutcome d;
                  d.customer_id = row.risk.customer_id;
                  d.departure_known_at = row.known_at;
                  d.departed_at = row.departed_ind == soci::i_ok ? row.departed_at : row.known_at;
                  out.departed.push_back(std::move(d));
                }
                auto& d = out.departed.back();
                d.prediction = row.risk.to_record();
                d.prediction.run_id = row.run_ind == soci::i_ok ? row.run_id : "";
                if (d.first_flagged_at.empty() && row.risk.probability >= q.flag_threshold)
                  d.first_flagged_at = row.risk.scored_at;
              });

    // The active customers of the runs those predictions came from.
    std::vector<std::string> runs;
    for (const auto& d : out.departed)
      if (!d.prediction.run_id.empty()) runs.push_back(d.prediction.run_id);
    std::sort(runs.begin(), runs.end());
    runs.erase(std::unique(runs.begin(), runs.end()), runs.end());
    if (!runs.empty()) {
      SqlParams a;
      std::string in;
      for (const auto& run : runs) in += (in.empty() ? "" : ", ") + a.add(run);
      std::string model;
      if (q.model_version)
        model = " AND h.model_version = " + a.add(static_cast<long long>(*q.model_version));
      struct ActiveRow {
        double latest = 0, highest = 0;
        void bind(soci::statement& st) {
          st.exchange(soci::into(latest));
          st.exchange(soci::into(highest));
        }
      } active;
      run_query(
          *sql,
          "SELECT probability, highest FROM ("
          " SELECT h.probability,"
          "  MAX(h.probability) OVER (PARTITION BY h.customer_row_id) AS highest,"
          "  ROW_NUMBER() OVER (PARTITION BY h.customer_row_id ORDER BY h.scored_at DESC, h.id DESC) AS n"
          " FROM risk_history h JOIN customers ON customers.row_id = h.customer_row_id AND " +
              std::string(kActiveCustomer) + " WHERE h.run_id IN (" + in + ")" + model +
              ") latest WHERE n = 1",
          a.values(), active, [&] {
            out.active_latest.push_back(active.latest);
            out.active_highest.push_back(active.highest);
          });
    }
    tx.commit();
  } catch (...) {
    rethrow_as_store_error("reading risk outcomes");
  }
  return out;
}

}  // namespace churnwatch::storage
