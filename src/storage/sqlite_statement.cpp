#include "storage/sqlite_statement.hpp"

#include <string>

#include "storage/db_errors.hpp"

namespace churnwatch::storage {

using namespace sqlite_api;

SqliteStatement::SqliteStatement(sqlite3* db, const char* sql) : db_(db) {
  int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) throw_sqlite_error(rc, "preparing a write", sqlite3_errmsg(db));
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

void SqliteStatement::text(int i, std::string_view s) {
  sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
}

void SqliteStatement::text_or_null(int i, std::string_view s) {
  if (s.empty())
    sqlite3_bind_null(stmt_, i);
  else
    text(i, s);
}

void SqliteStatement::integer(int i, std::optional<int> v) {
  if (v) sqlite3_bind_int(stmt_, i, *v);
  else sqlite3_bind_null(stmt_, i);
}

void SqliteStatement::int64(int i, long long v) { sqlite3_bind_int64(stmt_, i, v); }

void SqliteStatement::real(int i, std::optional<double> v) {
  if (v) sqlite3_bind_double(stmt_, i, *v);
  else sqlite3_bind_null(stmt_, i);
}

int SqliteStatement::run(std::string_view action) {
  int rc = sqlite3_step(stmt_);
  sqlite3_reset(stmt_);
  if (rc != SQLITE_DONE) throw_sqlite_error(rc, action, sqlite3_errmsg(db_));
  return sqlite3_changes(db_);
}

bool SqliteStatement::next_row(std::string_view action) {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  sqlite3_reset(stmt_);
  if (rc != SQLITE_DONE) throw_sqlite_error(rc, action, sqlite3_errmsg(db_));
  return false;
}

void SqliteStatement::reset() { sqlite3_reset(stmt_); }

bool SqliteStatement::is_null(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

long long SqliteStatement::column_int64(int col) const { return sqlite3_column_int64(stmt_, col); }

double SqliteStatement::column_real(int col) const { return sqlite3_column_double(stmt_, col); }

std::string SqliteStatement::column_text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::string();
}

void sqlite_exec(sqlite3* db, const char* sql, std::string_view action) {
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  std::string detail = err ? err : "";
  sqlite3_free(err);
  if (rc != SQLITE_OK) throw_sqlite_error(rc, action, detail);
}

}  // namespace churnwatch::storage
