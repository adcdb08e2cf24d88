// The SQL that keeps a customer's lifecycle columns (departed_at,
// departure_known_at) in step with its label, shared by every customer
// writer of both dialects. Each function takes the placeholders (or column
// expressions) of the new label, the write time and the departure date
// given with the row (NULL when none).
//
// The rule: a customer whose label is 1 has departed. Its departed_at is the
// given departure date, else the one it already had while departed, else the
// write time; departure_known_at is the write time of the write that first
// set the label to 1, kept while it stays 1. Any other label clears both.
#pragma once

#include <string>

namespace churnwatch::storage {

// The condition "this customer is active" on a query over customers.
inline constexpr const char* kActiveCustomer = "(customers.label IS NULL OR customers.label <> 1)";

// "departed_at value, departure_known_at value" for an INSERT's VALUES list.
std::string insert_departure_sql(const std::string& label, const std::string& now,
                                 const std::string& departure);
// "departed_at = ..., departure_known_at = ..." for an UPDATE of customers,
// where bare column names are the row's values before the write. `old` names
// the old row ("" for bare names, "customers." in ON CONFLICT DO UPDATE).
std::string update_departure_sql(const std::string& label, const std::string& now,
                                 const std::string& departure, const std::string& old = "");

}  // namespace churnwatch::storage
