// Import and export of customer tables (CSV in; CSV or JSON Lines out).
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"
#include "core/schema.hpp"
#include "services/progress.hpp"
#include "storage/store.hpp"

namespace churnwatch::services {

struct ImportOptions {
  storage::WriteMode mode = storage::WriteMode::kInsert;
  // Use this schema instead of the stored one (or of inferring one). It is
  // stored as a new version when the import commits.
  std::optional<core::DatasetSchema> schema;
  std::string source = "input";  // file name for error messages
  std::size_t max_errors = 100;  // errors reported; the import fails at the first anyway
  ProgressFn progress;
  std::size_t total_bytes = 0;   // for progress fractions; 0 if unknown
};

struct ImportResult {
  std::int64_t created = 0;
  std::int64_t updated = 0;
  std::int64_t skipped = 0;
  int schema_version = 0;
  bool schema_created = false;  // this import inferred and stored the schema
};

// Imports every record of `in` in one transaction. When the store has no
// schema and none is given, infers one and stores it with the data. On any
// bad record (wrong type, unknown category, duplicate id, malformed quoting,
// wrong column count, unknown/missing header columns) throws core::Invalid
// carrying every error's line, column and field (up to max_errors) and
// leaves the store exactly as it was. When this import infers the schema (from
// the first 10,000 records), category values first seen after that sample
// extend the inferred categories instead of failing. Text cells written by
// export_customers with a leading ' against formula injection ('=..., '+...,
// '-..., '@...) lose that one ' again, so an export imports back unchanged.
ImportResult import_csv(storage::Store& store, std::istream& in, const ImportOptions& options);

enum class ExportFormat { kCsv, kJsonl };
// Parses "csv" / "jsonl"; throws Invalid otherwise.
ExportFormat parse_export_format(std::string_view s);

// Streams customers matching `query` (limit ignored) in the schema's column
// order; the CSV output imports back unchanged. Cells starting with = + - @
// that are text are prefixed with ' so spreadsheets do not run them as
// formulas, except values that parse as numbers. `sink` receives pieces of
// output; return false from it to stop early.
void export_customers(storage::Store& store, const storage::CustomerQuery& query,
                      ExportFormat format, const std::function<bool(std::string_view)>& sink);

}  // namespace churnwatch::services
