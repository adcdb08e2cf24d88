// Connecting to PostgreSQL (URL parsing, sessions, their health) and thin
// helpers over libpq for the hot paths (imports and risk appends), which run
// on the native handle of a SOCI session. Used by the store and the job queue.
#pragma once

#include <libpq-fe.h>
#include <soci/soci.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace churnwatch::storage {

// Default number of pooled sessions; `?pool=N` in the URL overrides it.
inline constexpr std::size_t kDefaultPostgresPool = 8;

struct PostgresUrl {
  std::string conninfo;  // keyword=value form for libpq (and SOCI)
  std::size_t pool = kDefaultPostgresPool;
};

// Splits "postgresql://user:pass@host:port/db?pool=8&sslmode=..." (or
// postgres://) into churnwatch's own `pool` parameter and libpq's connection
// string (every other parameter goes to libpq as is). Throws core::Invalid
// for a malformed URL or pool.
PostgresUrl parse_postgres_url(const std::string& url);

// A new session on `conninfo` with churnwatch's session settings (a lock
// wait limit). Throws core::Unavailable when the server cannot be reached.
std::unique_ptr<soci::session> open_postgres_session(const std::string& conninfo);

// The libpq connection behind a SOCI postgresql session.
PGconn* pg_conn(soci::session& sql);

// True when the session can be handed out: connected, not inside a
// transaction, and with no unsolicited input from the server (which on an
// idle connection means the server has ended it, e.g. by a restart).
bool pg_session_healthy(soci::session& sql);

using PgResult = std::unique_ptr<PGresult, decltype(&PQclear)>;

// Runs `sql_text` with text parameters (nullptr: NULL). Throws core::Conflict
// for a constraint violation, core::Unavailable for any other failure.
PgResult pg_exec(PGconn* conn, const char* sql_text, const std::vector<const char*>& params,
                 std::string_view action);
// Runs a statement prepared as `name` with pg_prepare.
PgResult pg_exec_prepared(PGconn* conn, const char* name, const std::vector<const char*>& params,
                          std::string_view action);
void pg_prepare(PGconn* conn, const char* name, const char* sql_text, std::string_view action);

// COPY ... FROM STDIN: starts it (`sql_text`), sends rows in COPY's text
// format, and ends it. pg_end_copy with an `abort_reason` abandons the COPY
// instead (the server then fails it and its transaction). Errors as pg_exec.
void pg_copy_in(PGconn* conn, const char* sql_text, std::string_view action);
void pg_put_copy_data(PGconn* conn, std::string_view data, std::string_view action);
void pg_end_copy(PGconn* conn, const char* abort_reason, std::string_view action);

// Rows affected by a command result.
long long pg_affected(const PgResult& r);

}  // namespace churnwatch::storage
