// The SQLite CustomerWriter: one IMMEDIATE transaction on the store's write
// session. put() is the import hot path, so it drives SQLite's native API
// with statements prepared once per writer instead of going through SOCI.
#pragma once

#include <soci/soci.h>

#include <memory>
#include <mutex>

#include "storage/store.hpp"

namespace churnwatch::storage {

// `sql` must be a SQLite session that nobody else uses while the writer
// lives; `lock` is held until the writer is destroyed.
std::unique_ptr<CustomerWriter> open_sqlite_writer(soci::session& sql, WriteMode mode,
                                                   std::unique_lock<std::mutex> lock);

}  // namespace churnwatch::storage
