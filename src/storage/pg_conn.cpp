#include "storage/pg_conn.hpp"

#include <poll.h>
#include <soci/postgresql/soci-postgresql.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <exception>
#include <stdexcept>

#include "core/errors.hpp"

namespace churnwatch::storage {

namespace {

// How long a statement waits for a lock (another process's writer) before
// failing as Unavailable; the same as SQLite's busy timeout.
constexpr const char* kLockTimeout = "SET lock_timeout = '10s'";

PgResult checked(PGconn* conn, PGresult* res, std::string_view action) {
  PgResult r(res, &PQclear);
  ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return r;
  std::string detail = r ? PQresultErrorMessage(r.get()) : PQerrorMessage(conn);
  const char* state = r ? PQresultErrorField(r.get(), PG_DIAG_SQLSTATE) : nullptr;
  spdlog::warn("database error while {}: {} (SQLSTATE {})", action, detail, state ? state : "-");
  std::string msg = "database error while " + std::string(action);
  if (state && std::string_view(state).substr(0, 2) == "23") {
    throw core::Conflict(msg + ": constraint failed");
  }
  if (PQstatus(conn) != CONNECTION_OK) throw core::Unavailable(msg + ": cannot reach the database");
  throw core::Unavailable(msg);
}

}  // namespace

// The URL minus `pool`, turned into libpq's keyword form (SOCI splits its
// connect string on spaces, which a URI does not survive).
PostgresUrl parse_postgres_url(const std::string& url) {
  PostgresUrl out;
  std::string uri = url;
  if (auto q = uri.find('?'); q != std::string::npos) {
    std::string query = uri.substr(q + 1), kept;
    uri.resize(q);
    std::size_t start = 0;
    while (start <= query.size()) {
      std::size_t end = query.find('&', start);
      if (end == std::string::npos) end = query.size();
      std::string part = query.substr(start, end - start);
      if (part.rfind("pool=", 0) == 0) {
        try {
          std::size_t used = 0;
          long n = std::stol(part.substr(5), &used);
          if (used != part.size() - 5 || n < 1 || n > 1000) throw std::invalid_argument("pool");
          out.pool = static_cast<std::size_t>(n);
        } catch (const std::exception&) {
          throw core::Invalid("the database URL's pool must be a number from 1 to 1000");
        }
      } else if (!part.empty()) {
        kept += (kept.empty() ? "" : "&") + part;
      }
      start = end + 1;
    }
    if (!kept.empty()) uri += "?" + kept;
  }
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(uri.c_str(), &err);
  if (!options) {
    std::string why = err ? err : "malformed";
    PQfreemem(err);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    throw core::Invalid("the database URL is not a valid PostgreSQL URL: " + why);
  }
  bool has_app = false, has_timeout = false;
  for (PQconninfoOption* o = options; o->keyword; ++o) {
    if (!o->val) continue;
    if (std::string_view(o->keyword) == "application_name") has_app = true;
    if (std::string_view(o->keyword) == "connect_timeout") has_timeout = true;
    std::string value;
    for (const char* c = o->val; *c; ++c) {
      if (*c == '\'' || *c == '\\') value += '\\';
      value += *c;
    }
    out.conninfo += std::string(o->keyword) + "='" + value + "' ";
  }
  PQconninfoFree(options);
  if (!has_app) out.conninfo += "application_name='churnwatch' ";
  // Without it libpq waits for an unreachable host as long as TCP does.
  if (!has_timeout) out.conninfo += "connect_timeout='10' ";
  out.conninfo += "client_encoding='UTF8'";
  return out;
}

std::unique_ptr<soci::session> open_postgres_session(const std::string& conninfo) {
  std::unique_ptr<soci::session> sql;
  try {
    sql = std::make_unique<soci::session>(*soci::factory_postgresql(), conninfo);
    *sql << kLockTimeout;
    // Keeps the server's notices ("already exists, skipping") out of stderr.
    *sql << "SET client_min_messages = warning";
  } catch (const soci::soci_error& e) {
    spdlog::warn("cannot connect to PostgreSQL: {}", e.what());
    throw core::Unavailable("cannot connect to the PostgreSQL database");
  }
  return sql;
}

PGconn* pg_conn(soci::session& sql) {
  return static_cast<soci::postgresql_session_backend*>(sql.get_backend())->conn_;
}

bool pg_session_healthy(soci::session& sql) {
  PGconn* conn = pg_conn(sql);
  if (!conn || PQstatus(conn) != CONNECTION_OK) return false;
  if (PQtransactionStatus(conn) != PQTRANS_IDLE) return false;
  pollfd p{PQsocket(conn), POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

PgResult pg_exec(PGconn* conn, const char* sql_text, const std::vector<const char*>& params,
                 std::string_view action) {
  return checked(conn,
                 PQexecParams(conn, sql_text, static_cast<int>(params.size()), nullptr,
                              params.data(), nullptr, nullptr, 0),
                 action);
}

PgResult pg_exec_prepared(PGconn* conn, const char* name, const std::vector<const char*>& params,
                          std::string_view action) {
  return checked(conn,
                 PQexecPrepared(conn, name, static_cast<int>(params.size()), params.data(),
                                nullptr, nullptr, 0),
                 action);
}

void pg_prepare(PGconn* conn, const char* name, const char* sql_text, std::string_view action) {
  checked(conn, PQprepare(conn, name, sql_text, 0, nullptr), action);
}

void pg_copy_in(PGconn* conn, const char* sql_text, std::string_view action) {
  PgResult r(PQexec(conn, sql_text), &PQclear);
  if (r && PQresultStatus(r.get()) == PGRES_COPY_IN) return;
  checked(conn, r.release(), action);
  throw core::Unavailable("database error while " + std::string(action) + ": COPY did not start");
}

void pg_put_copy_data(PGconn* conn, std::string_view data, std::string_view action) {
  if (PQputCopyData(conn, data.data(), static_cast<int>(data.size())) != 1) {
    spdlog::warn("database error while {}: {}", action, PQerrorMessage(conn));
    throw core::Unavailable("database error while " + std::string(action) +
                            ": cannot reach the database");
  }
}

void pg_end_copy(PGconn* conn, const char* abort_reason, std::string_view action) {
  if (PQputCopyEnd(conn, abort_reason) != 1) {
    spdlog::warn("database error while {}: {}", action, PQerrorMessage(conn));
    throw core::Unavailable("database error while " + std::string(action) +
                            ": cannot reach the database");
  }
  // The COPY's own result, then the end of results; every one is read so
  // the connection is ready for the next command.
  std::exception_ptr failure;
  while (PGresult* res = PQgetResult(conn)) {
    try {
      checked(conn, res, action);
    } catch (const core::Error&) {
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
}

long long pg_affected(const PgResult& r) {
  const char* n = PQcmdTuples(r.get());
  return (n && *n) ? std::atoll(n) : 0;
}

}  // namespace churnwatch::storage
