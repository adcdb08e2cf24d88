// The embedded SQLite store: one database file in WAL mode, a few read
// sessions that run concurrently with the single writer.
#pragma once

#include <memory>
#include <string>

#include "storage/store.hpp"

namespace churnwatch::storage {

// Opens (creating if needed) the SQLite database at `path` and applies
// pending migrations. Throws Unavailable when the file cannot be opened.
std::unique_ptr<Store> open_sqlite_store(const std::string& path);

}  // namespace churnwatch::storage
