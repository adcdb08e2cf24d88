#include "storage/sqlite_risk_writer.hpp"

#include <soci/sqlite3/soci-sqlite3.h>
#include <spdlog/spdlog.h>

#include <string>

#include "storage/db_errors.hpp"
#include "storage/lifecycle_sql.hpp"
#include "storage/sql_dialect.hpp"
#include "storage/sqlite_statement.hpp"

namespace churnwatch::storage {

namespace {

using namespace sqlite_api;

// A departed customer is never scored again: it is looked up like an
// unknown one, and skipped.
const std::string kLookup =
    "SELECT customers.row_id, customer_risk.probability FROM customers"
    " LEFT JOIN customer_risk ON customer_risk.customer_row_id = customers.row_id"
    " WHERE customers.external_id = ?1 AND " +
    std::string(kActiveCustomer);

const char* const kInsertHistory =
    "INSERT INTO risk_history (customer_row_id, model_version, probability, risk_level, reasons,"
    " previous_probability, change, relative_change, scored_at, run_id)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

std::string upsert_current_sql() {
  return "INSERT INTO customer_risk (customer_row_id, model_version, probability, risk_level,"
         " reasons, previous_probability, change, relative_change, scored_at)"
         " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)" +
         SqlDialect(Dialect::kSqlite)
             .upsert_suffix("customer_row_id",
                            {"model_version", "probability", "risk_level", "reasons",
                             "previous_probability", "change", "relative_change", "scored_at"}) +
         " WHERE excluded.scored_at >= customer_risk.scored_at";
}

// The statements bind the same nine values in the same order.
void bind_record(SqliteStatement& st, long long row_id, const RiskRecord& r,
                 const std::string& reasons) {
  st.int64(1, row_id);
  st.int64(2, r.model_version);
  st.real(3, r.probability);
  st.text(4, r.risk_level);
  st.text(5, reasons);
  st.real(6, r.previous_probability);
  st.real(7, r.change);
  st.real(8, r.relative_change);
  st.text(9, r.scored_at);
}

void append_all(sqlite3* db, const std::vector<RiskRecord>& records) {
  SqliteStatement lookup(db, kLookup.c_str());
  SqliteStatement history(db, kInsertHistory);
  const std::string upsert_text = upsert_current_sql();
  SqliteStatement current(db, upsert_text.c_str());
  std::string reasons;
  std::size_t skipped = 0;
  for (const RiskRecord& in : records) {
    lookup.text(1, in.customer_id);
    if (!lookup.next_row("looking up a customer's risk")) {
      ++skipped;
      continue;
    }
    const long long row_id = lookup.column_int64(0);
    RiskRecord r = in;
    r.previous_probability.reset();
    r.change.reset();
    r.relative_change.reset();
    if (!lookup.is_null(1)) {
      double previous = lookup.column_real(1);
      r.previous_probability = previous;
      r.change = r.probability - previous;
      if (previous > 0) r.relative_change = *r.change / previous;
    }
    lookup.reset();
    reasons = r.reasons.dump();
    bind_record(history, row_id, r, reasons);
    history.text_or_null(10, r.run_id);
    history.run("storing a risk history row");
    bind_record(current, row_id, r, reasons);
    current.run("storing a current risk");
  }
  if (skipped > 0) spdlog::info("risk of {} unknown or departed customers not stored", skipped);
}

}  // namespace

void write_sqlite_risk(soci::session& sql, const std::vector<RiskRecord>& records) {
  sqlite3* db = static_cast<soci::sqlite3_session_backend*>(sql.get_backend())->conn_;
  sqlite_exec(db, "BEGIN IMMEDIATE", "starting a risk append");
  try {
    append_all(db, records);
    sqlite_exec(db, "COMMIT", "finishing a risk append");
  } catch (...) {
    if (sqlite3_get_autocommit(db) == 0) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

}  // namespace churnwatch::storage
