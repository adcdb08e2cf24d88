#include "storage/sql_dialect.hpp"

namespace churnwatch::storage {

namespace {

// SQLite's JSON path syntax ($."name") has no escape for '"', and before 3.45
// matched keys against their escaped JSON spelling, so names holding '"', '\'
// or control characters are looked up through json_each by plain key instead.
bool json_path_safe(std::string_view name) {
  for (char c : name) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return false;
  }
  return true;
}

// The SQL string literal '$."name"', quotes doubled; for json_path_safe names.
std::string sqlite_path_literal(std::string_view name) {
  std::string s = "'$.\"";
  for (char c : name) {
    if (c == '\'') s += '\'';
    s += c;
  }
  return s + "\"'";
}

}  // namespace

std::string SqlParams::add(SqlParam p) {
  values_.push_back(std::move(p));
  return ":p" + std::to_string(values_.size());
}

std::string SqlDialect::json_value(std::string_view column, std::string_view name,
                                   SqlParams& params) const {
  std::string col(column);
  if (dialect_ == Dialect::kPostgres) {
    // jsonb -> key keeps the JSON type; callers compare against typed jsonb.
    // A JSON null reads as SQL NULL, as SQLite's json_extract gives it.
    return "NULLIF(" + col + " -> " + params.add(std::string(name)) + ", CAST('null' AS jsonb))";
  }
  if (json_path_safe(name)) {
    // The path is spelled as a literal, not bound: SQLite uses an expression
    // index (sqlite_attribute_indexes.hpp) only for a query holding the very
    // same expression, and a bound parameter never matches one.
    return "json_extract(" + col + ", " + sqlite_path_literal(name) + ")";
  }
  return "(SELECT value FROM json_each(" + col + ") WHERE key = " +
         params.add(std::string(name)) + ")";
}

std::string SqlDialect::json_text(std::string_view column, std::string_view name,
                                  SqlParams& params) const {
  if (dialect_ == Dialect::kPostgres) {
    return "(" + std::string(column) + " ->> " + params.add(std::string(name)) + ")";
  }
  return json_value(column, name, params);
}

std::string SqlDialect::contains_ci(std::string_view expr, std::string_view needle,
                                    SqlParams& params) const {
  const char* op = dialect_ == Dialect::kPostgres ? " ILIKE " : " LIKE ";
  return std::string(expr) + op + params.add(like_contains_pattern(needle)) + " ESCAPE '\\'";
}

std::string SqlDialect::limit_offset(std::int64_t limit, std::int64_t offset,
                                     SqlParams& params) const {
  std::string s;
  if (limit > 0) {
    s = " LIMIT " + params.add(static_cast<long long>(limit));
  } else if (offset > 0) {
    s = dialect_ == Dialect::kPostgres ? " LIMIT ALL" : " LIMIT -1";
  }
  if (offset > 0) s += " OFFSET " + params.add(static_cast<long long>(offset));
  return s;
}

std::string SqlDialect::auto_id_column() const {
  return dialect_ == Dialect::kPostgres ? "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
                                        : "INTEGER PRIMARY KEY";
}

std::string SqlDialect::int64_type() const {
  return dialect_ == Dialect::kPostgres ? "BIGINT" : "INTEGER";
}

std::string SqlDialect::real_type() const {
  return dialect_ == Dialect::kPostgres ? "DOUBLE PRECISION" : "REAL";
}

std::string SqlDialect::json_column_type() const {
  return dialect_ == Dialect::kPostgres ? "JSONB" : "TEXT";
}

std::string SqlDialect::begin_write() const {
  return dialect_ == Dialect::kPostgres ? "BEGIN" : "BEGIN IMMEDIATE";
}

std::string SqlDialect::write_lock() const { return transaction_lock(kWriteLockKey); }

std::string SqlDialect::transaction_lock(long long key) const {
  return dialect_ == Dialect::kPostgres
             ? "SELECT pg_advisory_xact_lock(" + std::to_string(key) + ")"
             : "";
}

std::string SqlDialect::for_update(bool skip_locked) const {
  if (dialect_ != Dialect::kPostgres) return "";
  return skip_locked ? " FOR UPDATE SKIP LOCKED" : " FOR UPDATE";
}

std::string SqlDialect::upsert_suffix(std::string_view key,
                                      const std::vector<std::string>& columns) const {
  // Both dialects share the ON CONFLICT form; it lives here so a third one
  // (MERGE, ON DUPLICATE KEY) has one place to differ.
  std::string s = " ON CONFLICT (" + std::string(key) + ") DO UPDATE SET ";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i) s += ", ";
    s += columns[i] + " = excluded." + columns[i];
  }
  return s;
}

std::string like_contains_pattern(std::string_view text) {
  std::string p = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') p += '\\';
    p += c;
  }
  p += '%';
  return p;
}

}  // namespace churnwatch::storage
