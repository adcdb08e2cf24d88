// Proposes a dataset schema from a CSV header and sample rows. The user
// confirms or edits the proposal (POST /api/v1/schema/infer previews it).
#pragma once

#include <istream>
#include <string>
#include <vector>

#include "core/schema.hpp"

namespace churnwatch::services {

// Types: booleans from 0/1, yes/no, true/false, y/n (any case); integers;
// numbers; ISO dates; categories for text with few distinct values; text
// otherwise. Roles: a column named like churn/churned/exited/label/target/
// attrition proposed as label; an id-like column (name ends in "id", unique
// values) as id; a name-like column (surname, name, full_name, ...) as
// display; row numbers (1..n in order) ignored.
core::DatasetSchema infer_schema(const std::vector<std::string>& header,
                                 const std::vector<std::vector<std::string>>& rows);

// Reads the header and up to `max_rows` records from `in` and infers.
core::DatasetSchema infer_schema_from_csv(std::istream& in, std::size_t max_rows = 10000);

}  // namespace churnwatch::services
