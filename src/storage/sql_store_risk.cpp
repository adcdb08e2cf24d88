// SqlStore: risk history and current risk. Appends are the backend's
// (write_risk); reads and the summary are shared SQL.
#include <chrono>
#include <cmath>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "storage/db_errors.hpp"
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
    long long scored = 0;
    *sql << "SELECT COUNT(*), COALESCE(AVG(probability), 0.0) FROM customer_risk",
        soci::into(scored), soci::into(out.average_probability);
    out.scored = scored;

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
              "SELECT risk_level, COUNT(*) FROM customer_risk GROUP BY risk_level"
              " ORDER BY MIN(probability), risk_level",
              none, level_row, [&] { out.by_level.emplace_back(level_row.level, level_row.count); });

    if (limit > 0) {
      SqlParams p;
      std::string rest = std::string(kCurrentFrom) + " WHERE r.probability >= " +
                         p.add(high_threshold) +
                         " ORDER BY r.probability DESC, customers.external_id" +
                         dialect_.limit_offset(limit, 0, p);
      out.highest = query_risk(*sql, rest, p.values());
      SqlParams q;
      rest = std::string(kCurrentFrom) +
             " WHERE r.change > 0 ORDER BY r.change DESC, customers.external_id" +
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
                "SELECT substr(scored_at, 1, 10), AVG(probability), COUNT(*) FROM risk_history"
                " WHERE scored_at >= :p1 GROUP BY substr(scored_at, 1, 10) ORDER BY 1",
                since, day_row,
                [&] { out.daily.emplace_back(day_row.day, day_row.average, day_row.count); });
    }
    tx.commit();
  } catch (...) {
    rethrow_as_store_error("summarising risk");
  }
  return out;
}

}  // namespace churnwatch::storage
