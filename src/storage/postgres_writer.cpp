#include "storage/postgres_writer.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <unordered_set>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "storage/db_errors.hpp"
#include "storage/json_text.hpp"
#include "storage/lifecycle_sql.hpp"
#include "storage/pg_conn.hpp"
#include "storage/sql_dialect.hpp"
#include "storage/sql_store.hpp"

namespace churnwatch::storage {

namespace {

const std::string kLock = SqlDialect(Dialect::kPostgres).write_lock();

// Opens the write transaction with the cross-process lock.
void begin(PGconn* conn, std::string_view action) {
  pg_exec(conn, "BEGIN", {}, action);
  pg_exec(conn, kLock.c_str(), {}, action);
}

// Rolls back whatever is open; the session stays usable (or is replaced by
// the pool's health check when the connection is gone).
void rollback_quietly(PGconn* conn) {
  if (PQtransactionStatus(conn) != PQTRANS_IDLE) PQclear(PQexec(conn, "ROLLBACK"));
}

// Appends `text` to `out` escaped for COPY's text format.
void append_copy_text(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
}

// A writer starts by writing each row with its own INSERT, which suits the
// few rows of an API call. Past kDirectPuts rows it turns to bulk mode: rows
// are streamed with COPY into a temporary staging table and moved into
// `customers` with one INSERT ... SELECT when the writer must (commit,
// remove, save_schema). COPY is the fastest way into PostgreSQL, and the
// staging step lets an upsert import turn repeated ids into updates. put()
// still reports each row's outcome at once, from the set of ids the table
// (and this import) holds, loaded when bulk mode starts; the write lock is
// held, so no other writer changes it meanwhile.
class PostgresCustomerWriter final : public CustomerWriter {
 public:
  PostgresCustomerWriter(soci::session& sql, WriteMode mode, std::unique_lock<std::mutex> lock)
      : sql_(sql), conn_(pg_conn(sql)), mode_(mode), lock_(std::move(lock)) {
    try {
      begin(conn_, "starting an import");
      open_ = true;
      if (mode_ == WriteMode::kReplace) {
        pg_exec(conn_, "DELETE FROM customers", {}, "clearing customers");
      }
    } catch (...) {
      finish(false);
      throw;
    }
  }

  ~PostgresCustomerWriter() override {
    if (open_) finish(false);
  }

  PutOutcome put(const core::Customer& c) override {
    require_open();
    if (c.external_id.empty()) throw core::Invalid("a customer needs a non-empty id");
    write_json(c.attributes, attributes_);  // may throw: nothing written yet
    stamp_.refresh();
    if (!bulk_ && ++direct_puts_ > kDirectPuts) enter_bulk();
    if (!bulk_) return put_direct(c);
    PutOutcome outcome = PutOutcome::kCreated;
    if (known_.count(c.external_id)) {
      if (mode_ != WriteMode::kUpsert) return PutOutcome::kDuplicate;
      outcome = PutOutcome::kUpdated;
    }
    start_copy();
    buffer_ += std::to_string(++seq_);
    buffer_ += '\t';
    append_copy_text(buffer_, c.external_id);
    buffer_ += '\t';
    append_copy_text(buffer_, c.display_name);
    buffer_ += '\t';
    buffer_ += c.label ? std::to_string(*c.label) : "\\N";
    buffer_ += '\t';
    append_copy_text(buffer_, attributes_);
    buffer_ += '\t';
    buffer_ += stamp_.text();
    buffer_ += '\t';
    if (c.departed_at.empty())
      buffer_ += "\\N";
    else
      append_copy_text(buffer_, c.departed_at);
    buffer_ += '\n';
    if (buffer_.size() >= kCopyChunk) send_buffer();
    if (outcome == PutOutcome::kCreated) known_.insert(c.external_id);
    ++staged_;
    return outcome;
  }

  bool remove(std::string_view external_id) override {
    require_open();
    flush();
    std::string id(external_id);
    bool removed = pg_affected(pg_exec(conn_, "DELETE FROM customers WHERE external_id = $1",
                                       {id.c_str()}, "removing a customer")) > 0;
    known_.erase(id);  // empty unless in bulk mode
    return removed;
  }

  core::DatasetSchema save_schema(core::DatasetSchema schema) override {
    require_open();
    flush();
    try {
      return save_schema_version(sql_, std::move(schema));
    } catch (...) {
      rethrow_as_store_error("saving the dataset schema");
    }
  }

  void commit() override {
    require_open();
    try {
      flush();
    } catch (...) {
      finish(false);
      throw;
    }
    finish(true);
  }

 private:
  // Rows written one INSERT at a time before bulk mode starts.
  static constexpr int kDirectPuts = 200;
  // Bytes of COPY data collected before they are handed to libpq.
  static constexpr std::size_t kCopyChunk = 1 << 18;

  PutOutcome put_direct(const core::Customer& c) {
    std::string label = c.label ? std::to_string(*c.label) : std::string();
    std::vector<const char*> params{c.external_id.c_str(),
                                    c.display_name.c_str(),
                                    c.label ? label.c_str() : nullptr,
                                    attributes_.c_str(),
                                    stamp_.text().c_str(),
                                    c.departed_at.empty() ? nullptr : c.departed_at.c_str()};
    static const std::string insert =
        "INSERT INTO customers (external_id, display_name, label, attributes, created_at, updated_at,"
        " departed_at, departure_known_at) VALUES ($1, $2, CAST($3 AS INTEGER), $4, $5, $5, " +
        insert_departure_sql("CAST($3 AS INTEGER)", "CAST($5 AS TEXT)", "CAST($6 AS TEXT)") +
        ") ON CONFLICT (external_id) DO NOTHING";
    if (pg_affected(pg_exec(conn_, insert.c_str(), params, "storing a customer")) == 1)
      return PutOutcome::kCreated;
    if (mode_ != WriteMode::kUpsert) return PutOutcome::kDuplicate;
    static const std::string update =
        "UPDATE customers SET display_name = $2, label = CAST($3 AS INTEGER), attributes = $4, updated_at = "
        "$5, " +
        update_departure_sql("CAST($3 AS INTEGER)", "CAST($5 AS TEXT)", "CAST($6 AS TEXT)") +
        " WHERE external_id = $1";
    pg_exec(conn_, update.c_str(), params, "updating a customer");
    return PutOutcome::kUpdated;
  }

  // Loads the ids the table holds (with this writer's rows so far) and
  // creates the staging table.
  void enter_bulk() {
    auto ids = pg_exec(conn_, "SELECT external_id FROM customers", {}, "storing customers");
    const int n = PQntuples(ids.get());
    known_.reserve(static_cast<std::size_t>(n) * 2);
    for (int i = 0; i < n; ++i) known_.emplace(PQgetvalue(ids.get(), i, 0));
    pg_exec(conn_,
            "CREATE TEMPORARY TABLE cw_import (seq BIGINT NOT NULL, external_id TEXT NOT NULL,"
            " display_name TEXT NOT NULL, label INTEGER NULL, attributes JSONB NOT NULL,"
            " at TEXT NOT NULL, departure TEXT NULL) ON COMMIT DROP",
            {}, "storing customers");
    bulk_ = true;
  }

  void require_open() const {
    if (!open_) throw std::logic_error("CustomerWriter used after commit");
  }

  void start_copy() {
    if (copying_) return;
    pg_copy_in(conn_, "COPY cw_import FROM STDIN", "storing customers");
    copying_ = true;
  }

  void send_buffer() {
    if (buffer_.empty()) return;
    pg_put_copy_data(conn_, buffer_, "storing customers");
    buffer_.clear();
  }

  // Ends the COPY and moves the staged rows into `customers`, in the order
  // they were put; for an id put several times (upsert) the last one wins
  // and the first one's time stays its created_at.
  void flush() {
    if (copying_) {
      send_buffer();
      copying_ = false;
      pg_end_copy(conn_, nullptr, "storing customers");
    }
    if (staged_ == 0) return;
    // New rows take the given departure date (or none yet: see below);
    // updated rows follow lifecycle_sql.hpp's rule against their old values.
    const std::string insert_columns =
        "INSERT INTO customers (external_id, display_name, label, attributes, created_at, updated_at,"
        " departed_at, departure_known_at)";
    if (mode_ == WriteMode::kUpsert) {
      const std::string upsert =
          insert_columns +
          " SELECT external_id, display_name, label, attributes, first_at, at,"
          "  CASE WHEN label = 1 THEN departure END, CASE WHEN label = 1 THEN at END FROM ("
          "  SELECT DISTINCT ON (external_id) external_id, display_name, label, attributes,"
          "   at, departure, MIN(at) OVER same AS first_at, MIN(seq) OVER same AS first_seq"
          "  FROM cw_import WINDOW same AS (PARTITION BY external_id)"
          "  ORDER BY external_id, seq DESC) latest"
          " ORDER BY first_seq"
          " ON CONFLICT (external_id) DO UPDATE SET display_name = excluded.display_name,"
          " label = excluded.label, attributes = excluded.attributes,"
          " updated_at = excluded.updated_at, " +
          update_departure_sql("excluded.label", "excluded.updated_at", "excluded.departed_at", "customers.");
      pg_exec(conn_, upsert.c_str(), {}, "storing customers");
    } else {
      // The ids are new and distinct: put() passed over every known one.
      const std::string insert = insert_columns +
                                 " SELECT external_id, display_name, label, attributes, at, at,"
                                 "  CASE WHEN label = 1 THEN departure END, CASE WHEN label = 1 THEN at END"
                                 " FROM cw_import ORDER BY seq";
      pg_exec(conn_, insert.c_str(), {}, "storing customers");
    }
    // A new departed row without a given date left when it was first seen.
    pg_exec(conn_,
            "UPDATE customers SET departed_at = departure_known_at"
            " WHERE label = 1 AND departed_at IS NULL AND departure_known_at IS NOT NULL",
            {}, "storing customers");
    pg_exec(conn_, "TRUNCATE cw_import", {}, "storing customers");
    staged_ = 0;
  }

  // Ends the transaction (COMMIT or ROLLBACK), so the session is as it was
  // before the writer; the staging table goes with it.
  void finish(bool commit) {
    open_ = false;
    if (copying_) {
      copying_ = false;
      try {
        pg_end_copy(conn_, "import abandoned", "abandoning an import");
      } catch (const core::Error&) {
        // Expected: the server reports the abandoned COPY as an error.
      }
    }
    std::optional<core::Error> failure;
    if (commit) {
      try {
        auto done = pg_exec(conn_, "COMMIT", {}, "finishing an import");
        // COMMIT of a transaction a failed statement aborted rolls it back
        // without an error; the caller must not believe it was stored.
        if (std::string_view(PQcmdStatus(done.get())) == "ROLLBACK") {
          throw core::Unavailable(
              "database error while finishing an import: an earlier statement failed, "
              "nothing was stored");
        }
      } catch (const core::Error& e) {
        failure = e;
      }
    }
    rollback_quietly(conn_);
    if (failure) throw core::Unavailable(failure->what());
  }

  soci::session& sql_;
  PGconn* conn_;
  WriteMode mode_;
  std::unique_lock<std::mutex> lock_;
  bool open_ = false, bulk_ = false, copying_ = false;
  int direct_puts_ = 0;
  std::unordered_set<std::string> known_;  // bulk mode: ids in the table once staged rows move
  std::string buffer_, attributes_;
  core::Iso8601Stamp stamp_;
  long long seq_ = 0, staged_ = 0;
};

// Exact text of a double (17 significant digits read back to the same value).
std::string real_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void append_all(PGconn* conn, const std::vector<RiskRecord>& records) {
  // A departed customer is never scored again: looked up like an unknown one.
  const std::string lookup =
      "SELECT customers.row_id, customer_risk.probability FROM customers"
      " LEFT JOIN customer_risk ON customer_risk.customer_row_id = customers.row_id"
      " WHERE customers.external_id = $1 AND " +
      std::string(kActiveCustomer);
  pg_prepare(conn, "cw_risk_lookup", lookup.c_str(), "appending risk");
  pg_prepare(conn, "cw_risk_history",
             "INSERT INTO risk_history (customer_row_id, model_version, probability, risk_level,"
             " reasons, previous_probability, change, relative_change, scored_at, run_id)"
             " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
             "appending risk");
  std::string upsert =
      "INSERT INTO customer_risk (customer_row_id, model_version, probability, risk_level,"
      " reasons, previous_probability, change, relative_change, scored_at)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)" +
      SqlDialect(Dialect::kPostgres)
          .upsert_suffix("customer_row_id",
                         {"model_version", "probability", "risk_level", "reasons",
                          "previous_probability", "change", "relative_change", "scored_at"}) +
      " WHERE excluded.scored_at >= customer_risk.scored_at";
  pg_prepare(conn, "cw_risk_current", upsert.c_str(), "appending risk");
  std::size_t skipped = 0;
  for (const RiskRecord& r : records) {
    auto found = pg_exec_prepared(conn, "cw_risk_lookup", {r.customer_id.c_str()},
                                  "looking up a customer's risk");
    if (PQntuples(found.get()) == 0) {
      ++skipped;
      continue;
    }
    std::string row_id = PQgetvalue(found.get(), 0, 0);
    std::optional<double> previous, change, relative;
    if (!PQgetisnull(found.get(), 0, 1)) {
      previous = std::strtod(PQgetvalue(found.get(), 0, 1), nullptr);
      change = r.probability - *previous;
      if (*previous > 0) relative = *change / *previous;
    }
    auto opt = [](const std::optional<double>& v) { return v ? real_text(*v) : std::string(); };
    std::string version = std::to_string(r.model_version), probability = real_text(r.probability),
                reasons = r.reasons.dump(), prev = opt(previous), chg = opt(change),
                rel = opt(relative);
    std::vector<const char*> params{row_id.c_str(),
                                    version.c_str(),
                                    probability.c_str(),
                                    r.risk_level.c_str(),
                                    reasons.c_str(),
                                    previous ? prev.c_str() : nullptr,
                                    change ? chg.c_str() : nullptr,
                                    relative ? rel.c_str() : nullptr,
                                    r.scored_at.c_str()};
    pg_exec_prepared(conn, "cw_risk_current", params, "storing a current risk");
    params.push_back(r.run_id.empty() ? nullptr : r.run_id.c_str());
    pg_exec_prepared(conn, "cw_risk_history", params, "storing a risk history row");
  }
  if (skipped > 0) spdlog::info("risk of {} unknown or departed customers not stored", skipped);
}

}  // namespace

std::unique_ptr<CustomerWriter> open_postgres_writer(soci::session& sql, WriteMode mode,
                                                     std::unique_lock<std::mutex> lock) {
  return std::make_unique<PostgresCustomerWriter>(sql, mode, std::move(lock));
}

void write_postgres_risk(soci::session& sql, const std::vector<RiskRecord>& records) {
  PGconn* conn = pg_conn(sql);
  try {
    begin(conn, "starting a risk append");
    append_all(conn, records);
    pg_exec(conn, "COMMIT", {}, "finishing a risk append");
  } catch (...) {
    rollback_quietly(conn);
    for (const char* name : {"cw_risk_lookup", "cw_risk_history", "cw_risk_current"}) {
      PQclear(PQexec(conn, (std::string("DEALLOCATE ") + name).c_str()));
    }
    throw;
  }
  for (const char* name : {"cw_risk_lookup", "cw_risk_history", "cw_risk_current"}) {
    PQclear(PQexec(conn, (std::string("DEALLOCATE ") + name).c_str()));
  }
}

}  // namespace churnwatch::storage
