// The JobQueue over SQL: one `jobs` table in its own database (SQLite today,
// PostgreSQL through the same statements; what differs lives in
// storage::SqlDialect and in claim_lock()). Claims run in a write
// transaction that takes the write lock first (BEGIN IMMEDIATE on SQLite), so
// two processes never claim the same job.
#pragma once

#include <memory>

#include "queue/job_queue.hpp"
#include "storage/session_pool.hpp"
#include "storage/sql_dialect.hpp"

namespace churnwatch::queue {

// `sessions` are open on a database migrated by apply_queue_migrations.
std::unique_ptr<JobQueue>
make_sql_job_queue(storage::SqlDialect dialect,
                   std::unique_ptr<storage::SessionPool> sessions);

// Creates or upgrades the queue's tables, versioned in `queue_migrations`
// apart from the store's own migrations. Safe when several processes open
// the same database at once.
void apply_queue_migrations(soci::session &sql,
                            const storage::SqlDialect &dialect);

} // namespace churnwatch::queue
