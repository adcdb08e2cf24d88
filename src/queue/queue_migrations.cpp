// The queue's schema, versioned on its own (queue_migrations) so it evolves
// independently of the store's steps. A released step is never edited.
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "queue/sql_job_queue.hpp"
#include "storage/db_errors.hpp"

namespace churnwatch::queue {

namespace {

// The PostgreSQL advisory lock serialising queue migrations across processes;
// apart from the store's write lock so a running import does not hold it up.
constexpr long long kQueueLockKey = 0x636877716d;  // "chwqm"

std::vector<std::string> step1_jobs(const storage::SqlDialect &d) {
  // Optional text columns are '' when unset, so every column is NOT NULL and
  // reads need no null indicators. Times are ISO 8601 UTC text of one fixed
  // width, so they compare correctly as strings in both dialects.
  return {
      "CREATE TABLE jobs ("
      " seq " +
          d.auto_id_column() +
          ","
          " id TEXT NOT NULL UNIQUE,"
          " kind TEXT NOT NULL,"
          " state TEXT NOT NULL,"
          " progress DOUBLE PRECISION NOT NULL DEFAULT 0,"
          " message TEXT NOT NULL DEFAULT '',"
          " attempts INTEGER NOT NULL DEFAULT 0,"
          " max_attempts INTEGER NOT NULL,"
          " payload TEXT NOT NULL,"
          " result TEXT NOT NULL DEFAULT 'null',"
          " error TEXT NOT NULL DEFAULT '',"
          " idempotency_key TEXT NOT NULL DEFAULT '',"
          " created_by TEXT NOT NULL DEFAULT '',"
          " created_at TEXT NOT NULL,"
          " started_at TEXT NOT NULL DEFAULT '',"
          " finished_at TEXT NOT NULL DEFAULT '',"
          " run_after TEXT NOT NULL,"
          " cancel_requested INTEGER NOT NULL DEFAULT 0,"
          " lease_owner TEXT NOT NULL DEFAULT '',"
          " lease_expires_at TEXT NOT NULL DEFAULT '')",
      "CREATE UNIQUE INDEX jobs_idempotency ON jobs (kind, idempotency_key) "
      "WHERE idempotency_key <> ''",
      "CREATE INDEX jobs_runnable ON jobs (state, run_after)",
  };
}

// A failure's structured details (Job::error_details), JSON like result.
std::vector<std::string> step2_error_details(const storage::SqlDialect&) {
  return {"ALTER TABLE jobs ADD COLUMN error_details TEXT NOT NULL DEFAULT 'null'"};
}

struct Step {
  int version;
  std::vector<std::string> (*statements)(const storage::SqlDialect &d);
};

const Step kSteps[] = {{1, step1_jobs}, {2, step2_error_details}};

int applied_version(soci::session &sql) {
  int v = 0;
  sql << "SELECT COALESCE(MAX(version), 0) FROM queue_migrations",
      soci::into(v);
  return v;
}

} // namespace

void apply_queue_migrations(soci::session &sql,
                            const storage::SqlDialect &dialect) {
  try {
    // Under the queue's own lock: PostgreSQL's IF NOT EXISTS still fails
    // when two processes create the same table at once.
    sql << dialect.begin_write();
    try {
      if (const auto lock = dialect.transaction_lock(kQueueLockKey);
          !lock.empty())
        sql << lock;
      sql << "CREATE TABLE IF NOT EXISTS queue_migrations (version INTEGER "
             "PRIMARY KEY, applied_at TEXT NOT NULL)";
      sql << "COMMIT";
    } catch (...) {
      try {
        sql << "ROLLBACK";
      } catch (...) {
      }
      throw;
    }
    for (const auto &step : kSteps) {
      if (applied_version(sql) >= step.version)
        continue;
      sql << dialect.begin_write();
      try {
        if (const auto lock = dialect.transaction_lock(kQueueLockKey);
            !lock.empty())
          sql << lock;
        // Checked again under the write lock: another process may have just
        // applied it.
        if (applied_version(sql) < step.version) {
          for (const auto &s : step.statements(dialect))
            sql << s;
          const std::string now = core::now_iso8601();
          sql << "INSERT INTO queue_migrations (version, applied_at) VALUES "
                 "(:p1, :p2)",
              soci::use(step.version), soci::use(now);
        }
        sql << "COMMIT";
      } catch (...) {
        try {
          sql << "ROLLBACK";
        } catch (...) {
        }
        throw;
      }
    }
  } catch (...) {
    storage::rethrow_as_store_error("creating the job queue tables");
  }
}

} // namespace churnwatch::queue
