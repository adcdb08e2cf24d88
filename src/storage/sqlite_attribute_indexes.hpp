// Expression indexes on the customers' attributes, SQLite only.
//
// Customer lists filter and sort on json_value("attributes", name), which on
// SQLite is json_extract(attributes, '$."name"'). Without an index on that
// expression every list request parses every customer's JSON, once for the
// total, once for the page and once more for ORDER BY. With one index per
// schema attribute, comparisons, IN and sorts on an attribute read the index
// instead. PostgreSQL needs none of these: its GIN index on attributes
// (migration 1) serves equality and IN filters for every attribute at once.
#pragma once

#include <soci/soci.h>

#include <string>
#include <string_view>

#include "core/schema.hpp"

namespace churnwatch::storage {

// "customers_attr_" and the bytes of `name` in hex: a valid identifier for any
// name, and always the same index for the same attribute.
std::string attribute_index_name(std::string_view name);

// Makes the attribute indexes of the customers table exactly those `schema`
// asks for: creates the missing ones and drops those of attributes it no
// longer has (a retyped attribute keeps its index: the expression is the
// same). Names that SqlDialect::json_value cannot spell as a JSON path get no
// index. REQUIRES: a write transaction is open on `sql`; the indexes commit
// or roll back with it.
void sync_attribute_indexes(soci::session& sql, const core::DatasetSchema& schema);

// Brings the attribute indexes in line with the stored schema, in a write
// transaction of its own, when they disagree: for databases whose schema was
// saved before these indexes existed. Only reads when they already agree.
void ensure_attribute_indexes(soci::session& sql);

}  // namespace churnwatch::storage
