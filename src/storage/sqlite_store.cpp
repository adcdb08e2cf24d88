#include "storage/sqlite_store.hpp"

#include <soci/sqlite3/soci-sqlite3.h>

#include "core/errors.hpp"
#include "storage/db_errors.hpp"
#include "storage/migrations.hpp"
#include "storage/sql_store.hpp"
#include "storage/sqlite_writer.hpp"
#include "storage/wal_checkpointer.hpp"

namespace churnwatch::storage {

namespace {

// Read sessions; more rarely helps on a single file, and each holds its own
// page cache.
constexpr std::size_t kReadSessions = 4;

// How long a statement waits for another connection's lock before failing
// with "database is locked" (reported as Unavailable, retry later).
constexpr const char* kPragmas =
    "PRAGMA busy_timeout = 10000;"
    "PRAGMA foreign_keys = ON;"
    "PRAGMA synchronous = NORMAL;"
    "PRAGMA cache_size = -16384;";

std::unique_ptr<soci::session> open_session(const std::string& path) {
  // SOCI's SQLite connect string takes a bare file name unless it holds '='.
  std::string connect = path.find('=') == std::string::npos ? path : "db=\"" + path + "\"";
  std::unique_ptr<soci::session> sql;
  try {
    sql = std::make_unique<soci::session>(*soci::factory_sqlite3(), connect);
  } catch (const soci::soci_error& e) {
    throw core::Unavailable("cannot open the database file '" + path + "'");
  }
  auto* db = static_cast<soci::sqlite3_session_backend*>(sql->get_backend())->conn_;
  char* err = nullptr;
  int rc = sqlite_api::sqlite3_exec(db, kPragmas, nullptr, nullptr, &err);
  std::string detail = err ? err : "";
  sqlite_api::sqlite3_free(err);
  if (rc != SQLITE_OK) throw_sqlite_error(rc, "opening '" + path + "'", detail);
  return sql;
}

class SqliteStore final : public SqlStore {
 public:
  SqliteStore(const std::string& path, std::unique_ptr<soci::session> writer,
              std::unique_ptr<SessionPool> readers)
      : SqlStore(SqlDialect(Dialect::kSqlite), std::move(readers)),
        writer_(std::move(writer)),
        checkpointer_(path) {}

 protected:
  std::unique_ptr<CustomerWriter> open_writer(WriteMode mode,
                                              std::unique_lock<std::mutex> lock) override {
    return open_sqlite_writer(*writer_, mode, std::move(lock),
                              [this] { checkpointer_.request(); });
  }

 private:
  std::unique_ptr<soci::session> writer_;
  WalCheckpointer checkpointer_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::string& path) {
  auto writer = open_session(path);
  try {
    // WAL lets readers run while a writer is open; the mode is stored in the
    // file, so setting it once per open is enough.
    std::string mode;
    *writer << "PRAGMA journal_mode = WAL", soci::into(mode);
    if (mode != "wal") {
      throw core::Unavailable("cannot switch the database '" + path + "' to WAL mode");
    }
  } catch (...) {
    rethrow_as_store_error("opening '" + path + "'");
  }
  apply_migrations(*writer, SqlDialect(Dialect::kSqlite));
  try {
    // The writer's commits leave checkpoints to the WalCheckpointer; the read
    // sessions keep SQLite's automatic ones for their small writes.
    *writer << "PRAGMA wal_autocheckpoint = 0";
  } catch (...) {
    rethrow_as_store_error("opening '" + path + "'");
  }
  auto readers = std::make_unique<SessionPool>(kReadSessions, [&] { return open_session(path); });
  return std::make_unique<SqliteStore>(path, std::move(writer), std::move(readers));
}

}  // namespace churnwatch::storage
