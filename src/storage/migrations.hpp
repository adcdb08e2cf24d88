// Versioned schema migrations. Each step has a number and runs once, inside a
// transaction, recorded in `schema_migrations`; opening a store applies the
// steps it has not seen, so reopening an up-to-date database changes nothing.
// New tables (predictions, models, jobs, alert rules and events, refresh
// tokens, audit log) arrive as new steps appended to the list; a released
// step is never edited.
#pragma once

#include <soci/soci.h>

#include "storage/sql_dialect.hpp"

namespace churnwatch::storage {

// The highest step number this build knows.
int latest_migration_version();
// How many steps this build knows. Numbers are not always consecutive (two
// branches may each add a step), so each step is looked up by its number,
// and a step with a lower number than the highest applied one still runs.
int migration_count();

// The highest step applied to the database behind `sql` (0 when none).
int applied_migration_version(soci::session& sql);

// Applies every pending step in order. Throws Unavailable when a step fails,
// leaving the database at the last step that completed.
void apply_migrations(soci::session& sql, const SqlDialect& dialect);

}  // namespace churnwatch::storage
