// The PostgreSQL CustomerWriter: one transaction on the store's write
// session holding the cross-process write lock (pg_advisory_xact_lock), with
// put() driving libpq directly through statements prepared once per writer.
#pragma once

#include <soci/soci.h>

#include <memory>
#include <mutex>

#include "storage/store.hpp"

namespace churnwatch::storage {

// `sql` must be a PostgreSQL session that nobody else uses while the writer
// lives; `lock` is held until the writer is destroyed.
std::unique_ptr<CustomerWriter> open_postgres_writer(soci::session& sql, WriteMode mode,
                                                     std::unique_lock<std::mutex> lock);

// Does what Store::append_risk promises for records already checked and
// carrying scored_at, on the write session (the caller holds the write lock).
void write_postgres_risk(soci::session& sql, const std::vector<RiskRecord>& records);

}  // namespace churnwatch::storage
