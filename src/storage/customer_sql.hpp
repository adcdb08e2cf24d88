// SQL for reading customers: the WHERE and ORDER BY clauses a CustomerQuery
// asks for, and turning a result row back into a core::Customer. Values
// travel as bound parameters only; attribute names too, except in SQLite's
// JSON paths (see SqlDialect::json_value).
#pragma once

#include <soci/soci.h>

#include <string>

#include "core/customer.hpp"
#include "storage/sql_dialect.hpp"
#include "storage/store.hpp"

namespace churnwatch::storage {

// Columns selected for a customer, in the order CustomerRow binds them, and
// the tables they come from: customers with its current risk, if any.
extern const char* const kCustomerColumns;
extern const char* const kCustomerFrom;

// " WHERE ..." (or "") for the query's filters, risk filter and search. Throws
// core::Invalid when a filter has the wrong number or type of values.
std::string customer_where(const CustomerQuery& q, const SqlDialect& d, SqlParams& params);

// " ORDER BY ..." for the query's sort, with external_id as tie-breaker so
// pages never overlap. Missing values (and unscored customers when sorting
// by kSortByRisk) sort last in either direction.
std::string customer_order(const CustomerQuery& q, const SqlDialect& d, SqlParams& params);

// A JSON scalar as a typed parameter (booleans as 0/1). Throws core::Invalid
// for null, arrays and objects.
SqlParam to_param(const nlohmann::json& v);

// Binds every parameter of `params` to `st` in order. `params` must outlive
// the statement's execution.
void bind_params(soci::statement& st, std::vector<SqlParam>& params);

// Receives one customer row from a statement.
struct CustomerRow {
  long long row_id = 0;
  std::string external_id;
  std::string display_name;
  int label = 0;
  soci::indicator label_ind = soci::i_null;
  std::string attributes;
  std::string created_at;
  std::string updated_at;
  std::string departed_at;
  soci::indicator departed_at_ind = soci::i_null;
  std::string departure_known_at;
  soci::indicator departure_known_at_ind = soci::i_null;
  double probability = 0;
  soci::indicator probability_ind = soci::i_null;
  std::string risk_level;
  soci::indicator risk_level_ind = soci::i_null;
  long long model_version = 0;
  soci::indicator model_version_ind = soci::i_null;
  double change = 0;
  soci::indicator change_ind = soci::i_null;
  double relative_change = 0;
  soci::indicator relative_change_ind = soci::i_null;
  std::string scored_at;
  soci::indicator scored_at_ind = soci::i_null;

  void bind(soci::statement& st);
  core::Customer to_customer() const;
};

}  // namespace churnwatch::storage
