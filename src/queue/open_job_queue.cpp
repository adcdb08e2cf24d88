// Choosing and opening the queue's database from its URL.
#include <soci/sqlite3/soci-sqlite3.h>
#include <spdlog/spdlog.h>

#include <cctype>

#include "core/errors.hpp"
#include "queue/redis_job_queue.hpp"
#include "queue/sql_job_queue.hpp"
#include "storage/db_errors.hpp"
#include "storage/pg_conn.hpp"

namespace churnwatch::queue {

namespace {

// Queue calls are short; two sessions let a heartbeat pass a claim.
constexpr std::size_t kSessions = 2;

// Lock waits: several worker processes take turns on the write lock.
constexpr const char *kPragmas = "PRAGMA busy_timeout = 10000;"
                                 "PRAGMA synchronous = NORMAL;";

std::unique_ptr<soci::session> open_sqlite_session(const std::string &path) {
  std::string connect =
      path.find('=') == std::string::npos ? path : "db=\"" + path + "\"";
  std::unique_ptr<soci::session> sql;
  try {
    sql = std::make_unique<soci::session>(*soci::factory_sqlite3(), connect);
  } catch (const soci::soci_error &e) {
    spdlog::warn("cannot open the job queue file '{}': {}", path, e.what());
    throw core::Unavailable("cannot open the job queue file '" + path + "'");
  }
  auto *db =
      static_cast<soci::sqlite3_session_backend *>(sql->get_backend())->conn_;
  char *err = nullptr;
  int rc = sqlite_api::sqlite3_exec(db, kPragmas, nullptr, nullptr, &err);
  std::string detail = err ? err : "";
  sqlite_api::sqlite3_free(err);
  if (rc != SQLITE_OK)
    storage::throw_sqlite_error(rc, "opening '" + path + "'", detail);
  return sql;
}

std::unique_ptr<JobQueue> open_sqlite_job_queue(const std::string &path) {
  auto first = open_sqlite_session(path);
  try {
    std::string mode;
    *first << "PRAGMA journal_mode = WAL", soci::into(mode);
    if (mode != "wal")
      throw core::Unavailable("cannot switch the job queue '" + path +
                              "' to WAL mode");
  } catch (...) {
    storage::rethrow_as_store_error("opening '" + path + "'");
  }
  const storage::SqlDialect dialect(storage::Dialect::kSqlite);
  apply_queue_migrations(*first, dialect);
  auto sessions = std::make_unique<storage::SessionPool>(
      kSessions, [&]() -> std::unique_ptr<soci::session> {
        if (first)
          return std::move(first);
        return open_sqlite_session(path);
      });
  return make_sql_job_queue(dialect, std::move(sessions));
}

// The jobs table in a PostgreSQL database (usually the store's own). Claims
// lock their row with FOR UPDATE SKIP LOCKED, so any number of processes
// claim at once without taking the same job; a session whose server restarted
// is replaced when next borrowed.
std::unique_ptr<JobQueue> open_postgres_job_queue(const std::string &url) {
  const storage::PostgresUrl parsed = storage::parse_postgres_url(url);
  const storage::SqlDialect dialect(storage::Dialect::kPostgres);
  // The pool keeps its factory to replace sessions later, so the factory
  // owns what it captures.
  auto first = std::make_shared<std::unique_ptr<soci::session>>(
      storage::open_postgres_session(parsed.conninfo));
  apply_queue_migrations(**first, dialect);
  auto sessions = std::make_unique<storage::SessionPool>(
      kSessions,
      [first, conninfo = parsed.conninfo]() -> std::unique_ptr<soci::session> {
        if (*first)
          return std::move(*first);
        return storage::open_postgres_session(conninfo);
      },
      storage::pg_session_healthy);
  return make_sql_job_queue(dialect, std::move(sessions));
}

std::string scheme_of(const std::string &url) {
  auto pos = url.find("://");
  if (pos == std::string::npos || pos == 0)
    return "";
  for (std::size_t i = 0; i < pos; ++i) {
    unsigned char c = static_cast<unsigned char>(url[i]);
    bool ok = std::isalpha(c) ||
              (i > 0 && (std::isdigit(c) || c == '+' || c == '-' || c == '.'));
    if (!ok)
      return "";
  }
  return url.substr(0, pos);
}

} // namespace

std::unique_ptr<JobQueue> open_job_queue(const std::string &url) {
  const std::string scheme = scheme_of(url);
  if (scheme.empty()) {
    if (url.empty())
      throw core::Invalid("the job queue URL is empty");
    return open_sqlite_job_queue(url);
  }
  if (scheme == "sqlite") {
    std::string path = url.substr(scheme.size() + 3);
    if (path.empty())
      throw core::Invalid("the job queue URL '" + url + "' names no file");
    return open_sqlite_job_queue(path);
  }
  if (scheme == "redis" || scheme == "rediss") {
    auto redis = std::make_shared<cache::RedisClient>(cache::parse_redis_url(url));
    if (!redis->ping())
      throw core::Unavailable("the job queue's Redis at " + cache::describe(redis->options()) +
                              " does not answer");
    return make_redis_job_queue(std::move(redis));
  }
  if (scheme == "postgresql" || scheme == "postgres")
    return open_postgres_job_queue(url);
  throw core::Invalid("unsupported job queue URL scheme '" + scheme +
                      "'; use sqlite://, postgresql:// or redis://");
}

} // namespace churnwatch::queue
