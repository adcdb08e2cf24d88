// Running a SELECT with bound parameters into a reusable row object, the
// pattern every SOCI read in the storage layer follows.
#pragma once

#include <soci/soci.h>

#include <string>
#include <type_traits>
#include <vector>

#include "storage/customer_sql.hpp"
#include "storage/sql_dialect.hpp"

namespace churnwatch::storage {

// Runs `sql_text` with `params`, calling `on_row` after each fetched row.
// `row.bind(st)` registers the row's fields as the statement's outputs.
template <typename Row, typename OnRow>
void run_query(soci::session& sql, const std::string& sql_text, std::vector<SqlParam>& params,
               Row& row, OnRow&& on_row) {
  soci::statement st(sql);
  row.bind(st);
  bind_params(st, params);
  st.alloc();
  st.prepare(sql_text);
  st.define_and_bind();
  st.execute(false);
  while (st.fetch()) on_row();
}

// Runs the statements of `fn(sql)` in one write transaction (the dialect's
// begin_write and write_lock), committing when it returns and rolling back when it throws.
template <typename Fn>
auto in_write_transaction(soci::session& sql, const SqlDialect& d, Fn&& fn) {
  sql << d.begin_write();
  try {
    if (const std::string lock = d.write_lock(); !lock.empty()) sql << lock;
    if constexpr (std::is_void_v<decltype(fn(sql))>) {
      fn(sql);
      sql << "COMMIT";
    } else {
      auto result = fn(sql);
      sql << "COMMIT";
      return result;
    }
  } catch (...) {
    try {
      sql << "ROLLBACK";
    } catch (...) {
    }
    throw;
  }
}

}  // namespace churnwatch::storage
