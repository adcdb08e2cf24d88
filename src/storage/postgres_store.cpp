#include "storage/postgres_store.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <spdlog/spdlog.h>

#include <optional>

#include "core/errors.hpp"
#include "storage/db_errors.hpp"
#include "storage/migrations.hpp"
#include "storage/pg_conn.hpp"
#include "storage/postgres_writer.hpp"
#include "storage/sql_store.hpp"

namespace churnwatch::storage {

namespace {

class PostgresStore final : public SqlStore {
 public:
  PostgresStore(std::string conninfo, std::unique_ptr<soci::session> writer,
                std::unique_ptr<SessionPool> readers)
      : SqlStore(SqlDialect(Dialect::kPostgres), std::move(readers)),
        conninfo_(std::move(conninfo)),
        writer_(std::move(writer)) {}

 void use_replica(std::unique_ptr<SessionPool> replica) { set_replica(std::move(replica)); }

 protected:
  std::unique_ptr<CustomerWriter> open_writer(WriteMode mode,
                                              std::unique_lock<std::mutex> lock) override {
    return open_postgres_writer(write_session(), mode, std::move(lock));
  }
  void write_risk(std::vector<RiskRecord>& records) override {
    write_postgres_risk(write_session(), records);
  }

 private:
  // The write session, reopened first when its connection is gone. Only
  // called with the write lock held.
  soci::session& write_session() {
    if (!writer_ || !pg_session_healthy(*writer_)) {
      writer_.reset();
      writer_ = open_postgres_session(conninfo_);
    }
    return *writer_;
  }

  std::string conninfo_;
  std::unique_ptr<soci::session> writer_;
};

}  // namespace

std::unique_ptr<Store> open_postgres_store(const std::string& url, const std::string& replica_url) {
  PostgresUrl parsed = parse_postgres_url(url);
  std::optional<PostgresUrl> replica;
  if (!replica_url.empty()) replica = parse_postgres_url(replica_url);
  auto writer = open_postgres_session(parsed.conninfo);
  apply_migrations(*writer, SqlDialect(Dialect::kPostgres));
  auto readers = std::make_unique<SessionPool>(
      parsed.pool, [conninfo = parsed.conninfo] { return open_postgres_session(conninfo); },
      pg_session_healthy);
  auto store =
      std::make_unique<PostgresStore>(parsed.conninfo, std::move(writer), std::move(readers));
  if (replica) {
    store->use_replica(std::make_unique<SessionPool>(
        replica->pool, [conninfo = replica->conninfo] { return open_postgres_session(conninfo); },
        pg_session_healthy, /*open_now=*/false));
  }
  return store;
}

}  // namespace churnwatch::storage
