#include "storage/sqlite_attribute_indexes.hpp"

#include <spdlog/spdlog.h>

#include <map>
#include <set>

#include "storage/db_errors.hpp"
#include "storage/sql_query.hpp"
#include "storage/sql_store.hpp"

namespace churnwatch::storage {

namespace {

// Index name -> the statement creating it.
using IndexSet = std::map<std::string, std::string>;

IndexSet wanted_indexes(const core::DatasetSchema& schema) {
  IndexSet wanted;
  const SqlDialect sqlite(Dialect::kSqlite);
  for (const core::Attribute& a : schema.attributes) {
    // The very expression list queries use, or the planner would not match it.
    SqlParams params;
    std::string expr = sqlite.json_value("attributes", a.name, params);
    // A name json_value has to bind is looked up through json_each, a
    // subquery no index can hold.
    if (!params.values().empty()) continue;
    std::string name = attribute_index_name(a.name);
    wanted.emplace(name, "CREATE INDEX " + name + " ON customers (" + expr + ")");
  }
  return wanted;
}

std::set<std::string> existing_indexes(soci::session& sql) {
  std::set<std::string> names;
  soci::rowset<std::string> rows =
      (sql.prepare << "SELECT name FROM sqlite_master WHERE type = 'index'"
                      " AND tbl_name = 'customers' AND name LIKE 'customers!_attr!_%' ESCAPE '!'");
  for (const std::string& name : rows) names.insert(name);
  return names;
}

bool in_sync(const IndexSet& wanted, const std::set<std::string>& existing) {
  if (wanted.size() != existing.size()) return false;
  for (const auto& [name, ddl] : wanted) {
    if (!existing.count(name)) return false;
  }
  return true;
}

}  // namespace

std::string attribute_index_name(std::string_view name) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string index = "customers_attr_";
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    index += kHex[u >> 4];
    index += kHex[u & 15];
  }
  return index;
}

void sync_attribute_indexes(soci::session& sql, const core::DatasetSchema& schema) {
  const IndexSet wanted = wanted_indexes(schema);
  const std::set<std::string> existing = existing_indexes(sql);
  for (const std::string& name : existing) {
    if (wanted.count(name)) continue;
    // Quoted: the name was read from the file, whoever created it.
    std::string quoted;
    for (char c : name) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    sql << "DROP INDEX \"" + quoted + "\"";
  }
  for (const auto& [name, ddl] : wanted) {
    if (!existing.count(name)) sql << ddl;
  }
}

void ensure_attribute_indexes(soci::session& sql) {
  try {
    const auto schema = read_current_schema(sql).value_or(core::DatasetSchema{});
    if (in_sync(wanted_indexes(schema), existing_indexes(sql))) return;
    spdlog::info("indexing the customer attributes of the stored dataset schema");
    in_write_transaction(sql, SqlDialect(Dialect::kSqlite), [](soci::session& s) {
      // Read again under the write lock: another process may have changed it.
      sync_attribute_indexes(s, read_current_schema(s).value_or(core::DatasetSchema{}));
    });
  } catch (...) {
    rethrow_as_store_error("indexing customer attributes");
  }
}

}  // namespace churnwatch::storage
