#include "storage/sqlite_store.hpp"

#include <soci/sqlite3/soci-sqlite3.h>
#include <spdlog/spdlog.h>

#include "core/errors.hpp"
#include "storage/db_errors.hpp"
#include "storage/migrations.hpp"
#include "storage/sql_store.hpp"
#include "storage/sqlite_attribute_indexes.hpp"
#include "storage/sqlite_risk_writer.hpp"
#include "storage/sqlite_writer.hpp"
#include "storage/wal_checkpointer.hpp"

namespace churnwatch::storage {

namespace {

// Read sessions; more rarely helps on a single file, and each holds its own
// page cache.
constexpr std::size_t kReadSessions = 4;

// WAL size (pages) past which a commit asks for a checkpoint; SQLite's own
// default. The read sessions keep SQLite's automatic checkpoints for their
// small writes.
constexpr int kCheckpointPages = 1000;

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
    spdlog::warn("cannot open the database file '{}': {}", path, e.what());
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
        checkpointer_(path) {
    // Replaces SQLite's automatic checkpoint on the writer's connection: the
    // same threshold, but the copy runs on the checkpointer's thread.
    auto* db = static_cast<soci::sqlite3_session_backend*>(writer_->get_backend())->conn_;
    sqlite_api::sqlite3_wal_hook(db, &SqliteStore::on_wal_commit, &checkpointer_);
  }
  ~SqliteStore() override {
    auto* db = static_cast<soci::sqlite3_session_backend*>(writer_->get_backend())->conn_;
    sqlite_api::sqlite3_wal_hook(db, nullptr, nullptr);
  }

 protected:
  std::unique_ptr<CustomerWriter> open_writer(WriteMode mode,
                                              std::unique_lock<std::mutex> lock) override {
    return open_sqlite_writer(*writer_, mode, std::move(lock));
  }
  void write_risk(std::vector<RiskRecord>& records) override {
    write_sqlite_risk(*writer_, records);
  }

 private:
  static int on_wal_commit(void* checkpointer, sqlite_api::sqlite3*, const char*, int pages) {
    if (pages >= kCheckpointPages) static_cast<WalCheckpointer*>(checkpointer)->request();
    return SQLITE_OK;
  }

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
  ensure_attribute_indexes(*writer);
  auto readers = std::make_unique<SessionPool>(kReadSessions, [&] { return open_session(path); });
  return std::make_unique<SqliteStore>(path, std::move(writer), std::move(readers));
}

}  // namespace churnwatch::storage
