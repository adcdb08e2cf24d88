#include "storage/sqlite_writer.hpp"

#include <soci/sqlite3/soci-sqlite3.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "storage/db_errors.hpp"
#include "storage/json_text.hpp"
#include "storage/lifecycle_sql.hpp"
#include "storage/sql_store.hpp"
#include "storage/sqlite_attribute_indexes.hpp"
#include "storage/sqlite_statement.hpp"

namespace churnwatch::storage {

namespace {

using namespace sqlite_api;

// Page cache while a writer is open (negative: KiB). A bulk import touches
// the whole customers table and its id index; keeping them in memory until
// commit is what makes a million rows take seconds, not minutes.
constexpr const char* kBulkCacheSize = "PRAGMA cache_size = -524288";
constexpr const char* kNormalCacheSize = "PRAGMA cache_size = -16384";

// The lifecycle columns, from ?3 (label), ?5 (now) and ?6 (the departure
// date, NULL when the row has none): see lifecycle_sql.hpp.
const std::string kInsertDeparture = insert_departure_sql("?3", "?5", "?6");
const std::string kUpdateDeparture = update_departure_sql("?3", "?5", "?6");

class SqliteCustomerWriter final : public CustomerWriter {
 public:
  SqliteCustomerWriter(soci::session& sql, WriteMode mode, std::unique_lock<std::mutex> lock)
      : sql_(sql),
        db_(static_cast<soci::sqlite3_session_backend*>(sql.get_backend())->conn_),
        mode_(mode),
        lock_(std::move(lock)) {
    sqlite_exec(db_, kBulkCacheSize, "starting an import");
    sqlite_exec(db_, "BEGIN IMMEDIATE", "starting an import");
    open_ = true;
    try {
      if (mode_ == WriteMode::kReplace) {
        // Every row is written anew: building the attribute indexes once at
        // commit takes a fraction of the time updating them row by row does.
        drop_attribute_indexes();
        sqlite_exec(db_, "DELETE FROM customers", "clearing customers");
      }
      const std::string insert =
          "INSERT INTO customers (external_id, display_name, label, attributes, created_at,"
          " updated_at, departed_at, departure_known_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5, " +
          kInsertDeparture + ") ON CONFLICT (external_id) DO NOTHING";
      insert_ = std::make_unique<SqliteStatement>(db_, insert.c_str());
      if (mode_ == WriteMode::kUpsert) {
        const std::string update =
            "UPDATE customers SET display_name = ?2, label = ?3, attributes = ?4, updated_at = ?5, " +
            kUpdateDeparture + " WHERE external_id = ?1";
        update_ = std::make_unique<SqliteStatement>(db_, update.c_str());
      }
    } catch (...) {
      finish("ROLLBACK");
      throw;
    }
  }

  ~SqliteCustomerWriter() override {
    if (!open_) return;
    try {
      finish("ROLLBACK");
    } catch (const std::exception& e) {
      spdlog::error("rolling back an import failed: {}", e.what());
    }
  }

  PutOutcome put(const core::Customer& c) override {
    require_open();
    if (c.external_id.empty()) throw core::Invalid("a customer needs a non-empty id");
    write_json(c.attributes, attributes_);
    stamp_.refresh();
    bind(*insert_, c);
    if (insert_->run("storing a customer") == 1) return PutOutcome::kCreated;
    if (mode_ != WriteMode::kUpsert) return PutOutcome::kDuplicate;
    bind(*update_, c);
    update_->run("updating a customer");
    return PutOutcome::kUpdated;
  }

  bool remove(std::string_view external_id) override {
    require_open();
    if (!remove_) {
      remove_ = std::make_unique<SqliteStatement>(db_,
                                                  "DELETE FROM customers WHERE external_id = ?1");
    }
    remove_->text(1, external_id);
    return remove_->run("removing a customer") > 0;
  }

  core::DatasetSchema save_schema(core::DatasetSchema schema) override {
    require_open();
    try {
      core::DatasetSchema saved = save_schema_version(sql_, std::move(schema));
      // Its attribute indexes are made at commit, after the rows are in.
      saved_schema_ = saved;
      return saved;
    } catch (...) {
      rethrow_as_store_error("saving the dataset schema");
    }
  }

  void commit() override {
    require_open();
    if (saved_schema_ || indexes_dropped_) {
      // In this transaction: if indexing fails, the writer rolls back and
      // the old rows, schema and indexes stay.
      try {
        sync_attribute_indexes(sql_, saved_schema_ ? *saved_schema_
                                                   : read_current_schema(sql_).value_or(core::DatasetSchema{}));
      } catch (...) {
        rethrow_as_store_error("indexing customer attributes");
      }
    }
    finish("COMMIT");
  }

 private:
  void require_open() const {
    if (!open_) throw std::logic_error("CustomerWriter used after commit");
  }

  void drop_attribute_indexes() {
    try {
      sync_attribute_indexes(sql_, core::DatasetSchema{});
    } catch (...) {
      rethrow_as_store_error("starting an import");
    }
    indexes_dropped_ = true;
  }

  void bind(SqliteStatement& st, const core::Customer& c) {
    st.text(1, c.external_id);
    st.text(2, c.display_name);
    st.integer(3, c.label);
    st.text(4, attributes_);
    st.text(5, stamp_.text());
    st.text_or_null(6, c.departed_at);
  }

  // Ends the transaction with `verb` and hands the session back in its
  // normal state; the lock goes when the writer does.
  void finish(const char* verb) {
    insert_.reset();
    update_.reset();
    remove_.reset();
    open_ = false;
    int rc = sqlite3_exec(db_, verb, nullptr, nullptr, nullptr);
    std::string detail = sqlite3_errmsg(db_);
    if (rc != SQLITE_OK && sqlite3_get_autocommit(db_) == 0) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    sqlite3_exec(db_, kNormalCacheSize, nullptr, nullptr, nullptr);
    sqlite3_db_release_memory(db_);
    if (rc != SQLITE_OK) throw_sqlite_error(rc, "finishing an import", detail);
  }

  soci::session& sql_;
  sqlite3* db_;
  WriteMode mode_;
  std::unique_lock<std::mutex> lock_;
  bool open_ = false;
  std::unique_ptr<SqliteStatement> insert_, update_, remove_;
  std::optional<core::DatasetSchema> saved_schema_;
  bool indexes_dropped_ = false;
  std::string attributes_;
  core::Iso8601Stamp stamp_;
};

}  // namespace

std::unique_ptr<CustomerWriter> open_sqlite_writer(soci::session& sql, WriteMode mode,
                                                   std::unique_lock<std::mutex> lock) {
  return std::make_unique<SqliteCustomerWriter>(sql, mode, std::move(lock));
}

}  // namespace churnwatch::storage
