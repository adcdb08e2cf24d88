// The PostgreSQL store: the shared SqlStore over SOCI's postgresql backend,
// a pool of read sessions and one write session, customer attributes as
// JSONB (GIN-indexed), writes serialised across processes by an advisory
// lock. Sessions whose server went away (a restart) are reopened when next
// borrowed, so the store recovers without manual action.
#pragma once

#include <memory>
#include <string>

#include "storage/store.hpp"

namespace churnwatch::storage {

// Opens "postgresql://user:pass@host:port/db?pool=8&sslmode=..." (or
// postgres://) and applies pending migrations. `pool` is churnwatch's own
// parameter; every other one goes to libpq as is. Throws Invalid for a
// malformed URL, Unavailable when the server cannot be reached.
// `replica_url` ("" for none): see open_store; its sessions open when first
// needed, so a replica that is down does not stop the store from opening.
std::unique_ptr<Store> open_postgres_store(const std::string& url,
                                           const std::string& replica_url = "");

}  // namespace churnwatch::storage
