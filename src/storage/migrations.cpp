#include "storage/migrations.hpp"

#include <spdlog/spdlog.h>

#include <string>
#include <vector>

#include "core/clock.hpp"
#include "storage/db_errors.hpp"

namespace churnwatch::storage {

namespace {

struct Migration {
  int version;
  const char* description;
  std::vector<std::string> (*statements)(const SqlDialect& d);
};

std::vector<std::string> step1_core_tables(const SqlDialect& d) {
  const std::string json = d.json_column_type();
  return {
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
}

// Append new steps here; never edit or reorder a released one.
const Migration kMigrations[] = {
    {1, "customers, dataset_schema, users, settings", step1_core_tables},
};

}  // namespace

int latest_migration_version() { return kMigrations[std::size(kMigrations) - 1].version; }

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

void apply_migrations(soci::session& sql, const SqlDialect& dialect) {
  try {
    sql << "CREATE TABLE IF NOT EXISTS schema_migrations ("
           " version INTEGER PRIMARY KEY,"
           " description TEXT NOT NULL,"
           " applied_at TEXT NOT NULL)";
  } catch (...) {
    rethrow_as_store_error("preparing migrations");
  }
  for (const Migration& m : kMigrations) {
    // Checked again inside the transaction: another process opening the same
    // database may have applied the step meanwhile.
    if (applied_migration_version(sql) >= m.version) continue;
    try {
      sql << dialect.begin_write();
      try {
        if (applied_migration_version(sql) < m.version) {
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
