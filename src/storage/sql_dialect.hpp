// Everything that differs between the SQL dialects churnwatch speaks (SQLite,
// PostgreSQL): JSON extraction, case-insensitive matching, key and JSON column
// types, how a write transaction starts. Every other piece of SQL in the
// storage layer is written once against these helpers.
//
// Placeholders are SOCI's named form (":p1", ":p2", ...) bound by name, so
// the same text works with both backends whatever order they appear in. Values
// and attribute names are bound, never spliced into the SQL text; the one
// exception is SQLite's JSON path for a name json_value can spell as a path,
// written as an escaped literal so that expression indexes apply.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace churnwatch::storage {

enum class Dialect { kSqlite, kPostgres };

// The PostgreSQL advisory lock every churnwatch write transaction holds.
inline constexpr long long kWriteLockKey = 0x636875726e77;  // "churnw"

// One bound parameter: SQLite compares integers, reals and text as such, so a
// typed JSON value is bound with its own type (booleans as 0/1).
using SqlParam = std::variant<long long, double, std::string>;

// Collects bound parameters while SQL text is assembled; `add` returns the
// placeholder to write at that spot.
class SqlParams {
 public:
  std::string add(SqlParam p);
  const std::vector<SqlParam>& values() const { return values_; }
  std::vector<SqlParam>& values() { return values_; }

 private:
  std::vector<SqlParam> values_;
};

class SqlDialect {
 public:
  explicit SqlDialect(Dialect d) : dialect_(d) {}
  Dialect kind() const { return dialect_; }

  // An expression giving the value of attribute `name` in the JSON column
  // `column`, typed as SQL sees JSON scalars (number, text, 0/1 for
  // booleans, NULL when missing). On SQLite, a name without '"', '\\' or
  // control characters is written into a JSON path literal and binds
  // nothing (so an expression index can match it); any other name is bound.
  std::string json_value(std::string_view column, std::string_view name, SqlParams& params) const;
  // The same value as text, for substring matching.
  std::string json_text(std::string_view column, std::string_view name, SqlParams& params) const;
  // `expr` contains `needle`, ignoring case ("%" and "_" in the needle match
  // literally).
  std::string contains_ci(std::string_view expr, std::string_view needle,
                          SqlParams& params) const;

  // " LIMIT ... OFFSET ..." for a page; limit <= 0 means no limit.
  std::string limit_offset(std::int64_t limit, std::int64_t offset, SqlParams& params) const;

  // Column definition of an auto-assigned 64-bit integer primary key.
  std::string auto_id_column() const;
  // Column type of a 64-bit integer; "<it> PRIMARY KEY" is the table's own
  // key (SQLite's rowid), for tables keyed by another table's id.
  std::string int64_type() const;
  // Column type of a double-precision number.
  std::string real_type() const;
  // Column type holding a JSON document.
  std::string json_column_type() const;
  // Statement that opens a write transaction and takes the write lock at once,
  // so a writer never fails half-way on lock upgrade.
  std::string begin_write() const;
  // Statement run right after begin_write() that makes writers from every
  // process take turns ("" when begin_write() already does). PostgreSQL
  // takes one transaction-scoped advisory lock, kWriteLockKey.
  std::string write_lock() const;
  // Like write_lock() for a lock of its own, `key`: writers of unrelated
  // tables (the job queue) need not wait for a long import. "" on SQLite,
  // whose begin_write() already serialises every writer.
  std::string transaction_lock(long long key) const;
  // Suffix of a SELECT inside a write transaction that locks the rows it
  // reads until the transaction ends (" FOR UPDATE"; "" on SQLite, where
  // begin_write() already excludes other writers). With `skip_locked`,
  // rows another transaction holds are passed over instead of waited for.
  std::string for_update(bool skip_locked = false) const;
  // "INSERT ... " suffix that turns a unique-key clash on `key` into an
  // update of `columns` from the new row.
  std::string upsert_suffix(std::string_view key, const std::vector<std::string>& columns) const;

 private:
  Dialect dialect_;
};

// `text` as a LIKE pattern matching it anywhere, with '\' as escape character.
std::string like_contains_pattern(std::string_view text);

}  // namespace churnwatch::storage
