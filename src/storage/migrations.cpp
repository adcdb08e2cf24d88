#include "storage/migrations.hpp"

#include <spdlog/spdlog.h>

#include <string>
#include <vector>

#include "core/clock.hpp"
#include "storage/db_errors.hpp"
#include "storage/sql_query.hpp"

namespace churnwatch::storage {

namespace {

struct Migration {
  int version;
  const char* description;
  std::vector<std::string> (*statements)(const SqlDialect& d);
};

std::vector<std::string> step1_core_tables(const SqlDialect& d) {
  const std::string json = d.json_column_type();
  std::vector<std::string> statements = {
      "CREATE TABLE customers ("
      " row_id " + d.auto_id_column() + ","
      " external_id TEXT NOT NULL UNIQUE,"
      " display_name TEXT NOT NULL DEFAULT '',"
      " label INTEGER NULL,"
      " attributes " + json + " NOT NULL,"
      " created_at TEXT NOT NULL,"
      " updated_at TEXT NOT NULL)",
      "CREATE TABLE dataset_schema ("
      " version INTEGER PRIMARY KEY,"
      " definition " + json + " NOT NULL,"
      " created_at TEXT NOT NULL)",
      "CREATE TABLE users ("
      " id " + d.auto_id_column() + ","
      " username TEXT NOT NULL UNIQUE,"
      " password_hash TEXT NOT NULL,"
      " role TEXT NOT NULL,"
      " active INTEGER NOT NULL DEFAULT 1,"
      " created_at TEXT NOT NULL,"
      " updated_at TEXT NOT NULL)",
      "CREATE TABLE settings ("
      " key TEXT PRIMARY KEY,"
      " value TEXT NOT NULL)",
  };
  if (d.kind() == Dialect::kPostgres) {
    // Equality and IN filters are written as JSONB containment (@>), which
    // this index serves for every attribute at once.
    statements.push_back(
        "CREATE INDEX customers_attributes ON customers USING GIN (attributes jsonb_path_ops)");
  }
  return statements;
}

std::vector<std::string> step2_models_and_risk(const SqlDialect& d) {
  const std::string json = d.json_column_type();
  const std::string int64 = d.int64_type();
  const std::string real = d.real_type();
  return {
      "CREATE TABLE models ("
      " version " + int64 + " PRIMARY KEY,"
      " algorithm TEXT NOT NULL,"
      " stage TEXT NOT NULL,"
      " schema_version INTEGER NOT NULL,"
      " artifact TEXT NOT NULL,"
      " training_data_hash TEXT NOT NULL,"
      " params " + json + " NOT NULL,"
      " metrics " + json + " NOT NULL,"
      " details " + json + " NOT NULL,"
      " created_at TEXT NOT NULL,"
      " promoted_at TEXT NULL)",
      // At most one production model, whatever a buggy caller does.
      "CREATE UNIQUE INDEX models_one_production ON models (stage) WHERE stage = 'production'",
      // model_version is not a foreign key: history outlives a pruned registry.
      "CREATE TABLE risk_history ("
      " id " + d.auto_id_column() + ","
      " customer_row_id " + int64 +
          " NOT NULL REFERENCES customers (row_id) ON DELETE CASCADE,"
      " model_version " + int64 + " NOT NULL,"
      " probability " + real + " NOT NULL,"
      " risk_level TEXT NOT NULL,"
      " reasons " + json + " NOT NULL,"
      " previous_probability " + real + " NULL,"
      " change " + real + " NULL,"
      " relative_change " + real + " NULL,"
      " scored_at TEXT NOT NULL)",
      "CREATE INDEX risk_history_customer ON risk_history (customer_row_id, scored_at)",
      "CREATE INDEX risk_history_scored_at ON risk_history (scored_at)",
      // The latest risk_history row of each customer, kept beside it so lists
      // sort and filter by risk without scanning the history.
      "CREATE TABLE customer_risk ("
      " customer_row_id " + int64 +
          " PRIMARY KEY REFERENCES customers (row_id) ON DELETE CASCADE,"
      " probability " + real + " NOT NULL,"
      " risk_level TEXT NOT NULL,"
      " model_version " + int64 + " NOT NULL,"
      " previous_probability " + real + " NULL,"
      " change " + real + " NULL,"
      " relative_change " + real + " NULL,"
      " reasons " + json + " NOT NULL,"
      " scored_at TEXT NOT NULL)",
      "CREATE INDEX customer_risk_probability ON customer_risk (probability)",
      "CREATE INDEX customer_risk_change ON customer_risk (change)",
  };
}

std::vector<std::string> step3_refresh_tokens_and_audit(const SqlDialect& d) {
  const std::string json = d.json_column_type();
  const std::string int64 = d.int64_type();
  return {
      "CREATE TABLE refresh_tokens ("
      " id " + d.auto_id_column() + ","
      " user_id " + int64 + " NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
      " family TEXT NOT NULL,"
      " token_hash TEXT NOT NULL UNIQUE,"
      " created_at TEXT NOT NULL,"
      " expires_at TEXT NOT NULL,"
      " revoked_at TEXT NULL)",
      "CREATE INDEX refresh_tokens_family ON refresh_tokens (family)",
      "CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id)",
      // actor_id is not a foreign key: the log outlives what it describes.
      "CREATE TABLE audit_log ("
      " id " + d.auto_id_column() + ","
      " at TEXT NOT NULL,"
      " actor_id " + int64 + " NOT NULL,"
      " actor TEXT NOT NULL,"
      " action TEXT NOT NULL,"
      " target TEXT NOT NULL,"
      " address TEXT NOT NULL,"
      " details " + json + " NOT NULL)",
      "CREATE INDEX audit_log_at ON audit_log (at)",
      "CREATE INDEX audit_log_actor ON audit_log (actor, at)",
      "CREATE INDEX audit_log_action ON audit_log (action, at)",
  };
}

// The source of a model version (a training job), unique so a retried job
// registers its model once.
std::vector<std::string> step4_model_source(const SqlDialect&) {
  return {
      "ALTER TABLE models ADD COLUMN source TEXT NULL",
      "CREATE UNIQUE INDEX models_source ON models (source)",
  };
}

std::vector<std::string> step5_alerts(const SqlDialect& d) {
  const std::string json = d.json_column_type();
  const std::string int64 = d.int64_type();
  return {
      "CREATE TABLE alert_rules ("
      " id " + d.auto_id_column() + ","
      " name TEXT NOT NULL UNIQUE,"
      " kind TEXT NOT NULL,"
      " enabled INTEGER NOT NULL DEFAULT 1,"
      " params " + json + " NOT NULL,"
      " customer_filter " + json + " NOT NULL,"
      " webhook_sealed TEXT NOT NULL,"
      " webhook_masked TEXT NOT NULL,"
      " cooldown_seconds " + int64 + " NOT NULL,"
      " min_severity TEXT NOT NULL,"
      " created_by TEXT NOT NULL,"
      " created_at TEXT NOT NULL,"
      " updated_at TEXT NOT NULL)",
      // The outbox. customer_id is the external id, not a foreign key: an
      // alert about a customer outlives the customer's deletion.
      "CREATE TABLE alert_events ("
      " id " + d.auto_id_column() + ","
      " rule_id " + int64 + " NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,"
      " customer_id TEXT NOT NULL,"
      " kind TEXT NOT NULL,"
      " severity TEXT NOT NULL,"
      " dedup_key TEXT NOT NULL UNIQUE,"
      " payload " + json + " NOT NULL,"
      " state TEXT NOT NULL,"
      " attempts INTEGER NOT NULL DEFAULT 0,"
      " next_attempt_at TEXT NOT NULL,"
      " error TEXT NOT NULL DEFAULT '',"
      " run_id TEXT NOT NULL DEFAULT '',"
      " created_at TEXT NOT NULL,"
      " delivered_at TEXT NULL)",
      "CREATE INDEX alert_events_due ON alert_events (state, next_attempt_at)",
      "CREATE INDEX alert_events_rule_customer ON alert_events (rule_id, customer_id, created_at)",
      "CREATE INDEX alert_events_created ON alert_events (created_at)",
  };
}

// Customer lifecycle: when a departed customer left and when the store first
// saw it; the scoring run each risk row belongs to. Customers already
// departed keep their last change as the departure date and no
// departure_known_at: their departure predates this record, so no outcome
// report counts them.
std::vector<std::string> step6_lifecycle(const SqlDialect&) {
  return {
      "ALTER TABLE customers ADD COLUMN departed_at TEXT NULL",
      "ALTER TABLE customers ADD COLUMN departure_known_at TEXT NULL",
      "UPDATE customers SET departed_at = updated_at WHERE label = 1",
      "CREATE INDEX customers_departure_known ON customers (departure_known_at)",
      "ALTER TABLE risk_history ADD COLUMN run_id TEXT NULL",
      "CREATE INDEX risk_history_run ON risk_history (run_id)",
  };
}

// Every access token carries its user's session version; bumping it ends
// them all (services/accounts.cpp).
std::vector<std::string> step7_session_version(const SqlDialect& d) {
  return {"ALTER TABLE users ADD COLUMN session_version " + d.int64_type() + " NOT NULL DEFAULT 0"};
}

// Append new steps here; never edit or reorder a released one.
const Migration kMigrations[] = {
    {1, "customers, dataset_schema, users, settings", step1_core_tables},
    {2, "models, risk_history, customer_risk", step2_models_and_risk},
    {3, "refresh_tokens, audit_log", step3_refresh_tokens_and_audit},
    {4, "models.source", step4_model_source},
    {5, "alert_rules, alert_events", step5_alerts},
    {6, "customer lifecycle: departed_at, departure_known_at, risk_history.run_id", step6_lifecycle},
    {7, "users.session_version", step7_session_version},
};

}  // namespace

int latest_migration_version() { return kMigrations[std::size(kMigrations) - 1].version; }

int migration_count() { return static_cast<int>(std::size(kMigrations)); }

int applied_migration_version(soci::session& sql) {
  try {
    int v = 0;
    soci::indicator ind = soci::i_null;
    sql << "SELECT MAX(version) FROM schema_migrations", soci::into(v, ind);
    return ind == soci::i_ok ? v : 0;
  } catch (...) {
    rethrow_as_store_error("reading the schema version");
  }
}

namespace {

bool migration_applied(soci::session& sql, int version) {
  try {
    int n = 0;
    sql << "SELECT COUNT(*) FROM schema_migrations WHERE version = :p1", soci::use(version), soci::into(n);
    return n > 0;
  } catch (...) {
    rethrow_as_store_error("reading the applied migrations");
  }
}

}  // namespace

void apply_migrations(soci::session& sql, const SqlDialect& dialect) {
  try {
    // Under the write lock: PostgreSQL's IF NOT EXISTS still fails when two
    // processes create the same table at once.
    in_write_transaction(sql, dialect, [](soci::session& s) {
      s << "CREATE TABLE IF NOT EXISTS schema_migrations ("
           " version INTEGER PRIMARY KEY,"
           " description TEXT NOT NULL,"
           " applied_at TEXT NOT NULL)";
    });
  } catch (...) {
    rethrow_as_store_error("preparing migrations");
  }
  for (const Migration& m : kMigrations) {
    // Checked again inside the transaction: another process opening the same
    // database may have applied the step meanwhile.
    if (migration_applied(sql, m.version)) continue;
    try {
      sql << dialect.begin_write();
      try {
        if (const std::string lock = dialect.write_lock(); !lock.empty()) sql << lock;
        if (!migration_applied(sql, m.version)) {
          for (const std::string& stmt : m.statements(dialect)) sql << stmt;
          std::string description = m.description;
          std::string now = core::now_iso8601();
          int version = m.version;
          sql << "INSERT INTO schema_migrations (version, description, applied_at)"
                 " VALUES (:p1, :p2, :p3)",
              soci::use(version), soci::use(description), soci::use(now);
          spdlog::info("database migrated to version {} ({})", m.version, m.description);
        }
        sql << "COMMIT";
      } catch (...) {
        try {
          sql << "ROLLBACK";
        } catch (...) {
        }
        throw;
      }
    } catch (...) {
      rethrow_as_store_error("applying migration " + std::to_string(m.version));
    }
  }
}

}  // namespace churnwatch::storage
