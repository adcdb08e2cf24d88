// A thin RAII wrapper over a native SQLite prepared statement, for the write
// paths that bypass SOCI (imports, risk appends): prepared once, bound and
// stepped per row. Errors become churnwatch's typed errors.
#pragma once

#include <soci/sqlite3/soci-sqlite3.h>

#include <optional>
#include <string>
#include <string_view>

namespace churnwatch::storage {

class SqliteStatement {
 public:
  SqliteStatement(sqlite_api::sqlite3* db, const char* sql);
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement();

  // Binders for the 1-based parameter `i`. Text is not copied: it must stay
  // alive until the statement has run.
  void text(int i, std::string_view s);
  // NULL for an empty `s`.
  void text_or_null(int i, std::string_view s);
  void integer(int i, std::optional<int> v);
  void int64(int i, long long v);
  void real(int i, std::optional<double> v);

  // Runs the statement to completion; returns the rows it changed.
  int run(std::string_view action);
  // Steps once: true with a row to read, false when done (then reset).
  bool next_row(std::string_view action);
  // Resets after a partial walk, so the statement can run again.
  void reset();

  // Columns of the current row (0-based).
  bool is_null(int col) const;
  long long column_int64(int col) const;
  double column_real(int col) const;
  std::string column_text(int col) const;  // "" for NULL

 private:
  sqlite_api::sqlite3* db_;
  sqlite_api::sqlite3_stmt* stmt_ = nullptr;
};

// Runs `sql` (one or more statements without results) on `db`.
void sqlite_exec(sqlite_api::sqlite3* db, const char* sql, std::string_view action);

}  // namespace churnwatch::storage
