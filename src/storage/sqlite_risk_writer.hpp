// Appending risk records on SQLite: one IMMEDIATE transaction on the store's
// write session, driving the native API with statements prepared once per
// call, because batch scoring appends every customer at once.
#pragma once

#include <soci/soci.h>

#include <vector>

#include "storage/store.hpp"

namespace churnwatch::storage {

// Does what Store::append_risk promises for records already checked and
// carrying scored_at. `sql` must be the SQLite write session, used by nobody
// else meanwhile (the caller holds the store's write lock). A customer's
// current risk only moves forward: a record scored before the current one
// goes to the history alone.
void write_sqlite_risk(soci::session& sql, const std::vector<RiskRecord>& records);

}  // namespace churnwatch::storage
