// import_csv: CSV records -> typed customers in one write transaction.
//
// When the store has no schema and none is given, the schema is inferred from
// the first kSampleRows records. A category value first seen after that
// sample extends the inferred categories instead of failing the import (the
// sample could not have known it); with a stored or given schema an unknown
// category is an error.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <unordered_map>

#include "core/text.hpp"
#include "core/values.hpp"
#include "services/csv_reader.hpp"
#include "services/customer_io.hpp"
#include "services/formula_guard.hpp"
#include "services/schema_inference.hpp"

namespace churnwatch::services {
namespace {

constexpr std::size_t kSampleRows = 10000;
constexpr std::int64_t kProgressRows = 50000;

// Collects errors up to a limit; reaching the limit stops the import.
class ErrorList {
 public:
  explicit ErrorList(std::size_t max) : max_(max == 0 ? 1 : max) {}
  void add(std::string field, std::string message, long line, std::optional<long> column) {
    if (errors_.size() < max_) errors_.push_back({std::move(field), std::move(message), line, column});
  }
  void add(const core::FieldError& e) {
    if (errors_.size() < max_) errors_.push_back(e);
  }
  bool full() const { return errors_.size() >= max_; }
  std::size_t size() const { return errors_.size(); }
  bool empty() const { return errors_.empty(); }
  [[noreturn]] void raise(const std::string& source) {
    const std::size_t n = errors_.size();
    throw core::Invalid(std::to_string(n) + (n == 1 ? " error in " : " errors in ") + source,
                        std::move(errors_));
  }

 private:
  std::size_t max_;
  std::vector<core::FieldError> errors_;
};

class Importer {
 public:
  Importer(storage::Store& store, const ImportOptions& options)
      : store_(store), options_(options), errors_(options.max_errors) {}

  ImportResult run(std::istream& in) {
    CsvReader reader(in, options_.source);
    reader_ = &reader;
    CsvRecord header;
    if (!read(header)) {
      if (!errors_.empty()) errors_.raise(options_.source);
      throw core::Invalid("the file " + options_.source + " is empty: a header line is needed");
    }
    header_ = std::move(header.cells);
    std::vector<CsvRecord> sample;
    choose_schema(sample);
    map_header();
    if (!errors_.empty()) errors_.raise(options_.source);

    for (const auto& attr : schema_.attributes) customer_.attributes[attr.name] = nullptr;
    for (const auto& attr : schema_.attributes) slots_.push_back(&customer_.attributes[attr.name]);
    // About 60 bytes a record: sized once instead of rehashing as ids arrive.
    first_line_.reserve(std::min<std::size_t>(options_.total_bytes / 60 + 1024, 50'000'000));
    writer_ = store_.begin_write(options_.mode);
    report(0, "checking and writing rows");
    for (std::size_t i = 0; i < sample.size() && !errors_.full(); ++i) {
      import_record(sample[i]);
      maybe_report_progress(sample_bytes_[i]);
    }
    sample.clear();
    CsvRecord rec;
    while (!errors_.full() && read(rec)) {
      import_record(rec);
      maybe_report_progress(reader.bytes_read());
    }
    if (!errors_.empty()) {
      report(fraction_at(reader.bytes_read()), rows_message() + "; nothing was imported");
      errors_.raise(options_.source);  // the writer rolls back
    }

    report(0.99, "saving " + std::to_string(rows_read_) + " rows");
    result_.schema_version = save_schema_ ? writer_->save_schema(schema_).version : schema_.version;
    writer_->commit();
    report(1.0, "imported " + std::to_string(result_.created + result_.updated) + " rows" +
                    (result_.skipped ? " (" + std::to_string(result_.skipped) + " empty skipped)" : ""));
    return result_;
  }

 private:
  // Reads the next record; malformed CSV becomes an error here and ends the
  // input, since the reader cannot continue past it.
  bool read(CsvRecord& rec) {
    if (malformed_) return false;
    try {
      if (!reader_->next(rec)) return false;
      // Before anything reads the cells (schema inference included).
      for (auto& cell : rec.cells) remove_formula_guard(cell);
      return true;
    } catch (const core::Invalid& e) {
      for (const auto& fe : e.errors()) errors_.add(fe);
      if (e.errors().empty()) errors_.add("", e.what(), 0, std::nullopt);
      malformed_ = true;
      return false;
    }
  }

  void choose_schema(std::vector<CsvRecord>& sample) {
    if (options_.schema) {
      schema_ = *options_.schema;
      schema_.validate();
      save_schema_ = true;
      return;
    }
    if (auto stored = store_.current_schema()) {
      schema_ = std::move(*stored);
      return;
    }
    report(0, "inferring the schema from the first " + std::to_string(kSampleRows) + " rows");
    CsvRecord rec;
    while (sample.size() < kSampleRows && read(rec)) {
      sample.push_back(rec);
      sample_bytes_.push_back(reader_->bytes_read());
    }
    std::vector<std::vector<std::string>> rows;
    rows.reserve(sample.size());
    for (const auto& r : sample) rows.push_back(r.cells);
    schema_ = infer_schema(header_, rows);
    inferred_ = true;
    save_schema_ = true;
    result_.schema_created = true;
  }

  void map_header() {
    column_attr_.assign(header_.size(), -1);
    std::unordered_map<std::string, std::size_t> seen;
    for (std::size_t c = 0; c < header_.size(); ++c) {
      std::string name(core::trim(header_[c]));
      const long col = static_cast<long>(c) + 1;
      if (!seen.emplace(name, c).second) {
        errors_.add(name, "column '" + name + "' appears twice in the header", 1, col);
        continue;
      }
      bool found = false;
      for (std::size_t a = 0; a < schema_.attributes.size(); ++a) {
        if (schema_.attributes[a].name == name) {
          column_attr_[c] = static_cast<int>(a);
          found = true;
          break;
        }
      }
      if (!found) errors_.add(name, "unknown column '" + name + "' (not in the dataset schema)", 1, col);
    }
    for (std::size_t a = 0; a < schema_.attributes.size(); ++a) {
      const auto& attr = schema_.attributes[a];
      if (seen.count(attr.name)) continue;
      if (attr.role == core::Role::kId) {
        errors_.add(attr.name, "the id column '" + attr.name + "' is missing from the header", 1,
                    std::nullopt);
      } else if (attr.role != core::Role::kLabel && attr.role != core::Role::kIgnored &&
                 attr.role != core::Role::kDeparture) {
        errors_.add(attr.name, "column '" + attr.name + "' of the dataset schema is missing from the header",
                    1, std::nullopt);
      }
    }
  }

  void import_record(CsvRecord& rec) {
    ++rows_read_;
    const long line = rec.line;
    if (rec.cells.size() != header_.size()) {
      errors_.add(
          "",
          "expected " + std::to_string(header_.size()) + " columns, got " + std::to_string(rec.cells.size()),
          line, static_cast<long>(std::min(rec.cells.size(), header_.size())) + 1);
      return;
    }
    bool all_empty = true;
    for (const auto& cell : rec.cells)
      if (!core::trim(cell).empty()) all_empty = false;
    if (all_empty) {
      ++result_.skipped;
      return;
    }

    // One customer object is reused for every record: its attribute map
    // keeps its keys, and only the values change.
    core::Customer& customer = customer_;
    customer.external_id.clear();
    customer.display_name.clear();
    customer.label.reset();
    customer.departed_at.clear();
    bool ok = true;
    for (std::size_t c = 0; c < rec.cells.size(); ++c) {
      const auto a = static_cast<std::size_t>(column_attr_[c]);
      auto& attr = schema_.attributes[a];
      std::string_view text = rec.cells[c];
      std::string error;
      auto value = core::parse_cell(attr, text, error);
      if (!value && inferred_ && attr.type == core::AttrType::kCategory) {
        attr.categories.emplace_back(core::trim(text));
        value = nlohmann::json(attr.categories.back());
      }
      if (!value) {
        errors_.add(attr.name, error, line, static_cast<long>(c) + 1);
        ok = false;
        continue;
      }
      switch (attr.role) {
        case core::Role::kId:
          if (value->is_null()) {
            errors_.add(attr.name, "the id must not be empty", line, static_cast<long>(c) + 1);
            ok = false;
          } else {
            customer.external_id = core::format_cell(attr, *value);
            id_column_ = static_cast<long>(c) + 1;
          }
          break;
        case core::Role::kLabel:
          if (value->is_boolean()) customer.label = value->get<bool>() ? 1 : 0;
          break;
        case core::Role::kDisplay:
          if (value->is_string()) customer.display_name = value->get<std::string>();
          break;
        case core::Role::kDeparture:
          // The store uses it only for a churned label.
          if (value->is_string()) customer.departed_at = value->get<std::string>() + "T00:00:00.000Z";
          break;
        default:
          break;
      }
      *slots_[a] = std::move(*value);
    }
    if (!ok) return;

    const auto& id_name = schema_.id_attribute().name;
    auto [it, fresh] = first_line_.emplace(customer.external_id, line);
    if (!fresh) {
      errors_.add(
          id_name,
          "duplicate id '" + customer.external_id + "' (first on line " + std::to_string(it->second) + ")",
          line, id_column_);
      return;
    }
    // Writing on after an error is harmless (the transaction is rolled back)
    // and finds ids that clash with stored customers.
    switch (writer_->put(customer)) {
      case storage::PutOutcome::kCreated:
        ++result_.created;
        break;
      case storage::PutOutcome::kUpdated:
        ++result_.updated;
        break;
      case storage::PutOutcome::kDuplicate:
        errors_.add(id_name, "a customer with id '" + customer.external_id + "' already exists", line,
                    id_column_);
        return;
    }
  }

  void report(double fraction, const std::string& message) {
    if (options_.progress) options_.progress(fraction, message);
  }

  // The share of the input read; below 1 until the rows are saved.
  double fraction_at(std::size_t bytes) const {
    if (options_.total_bytes == 0) return 0;
    return std::min(0.99, static_cast<double>(bytes) / static_cast<double>(options_.total_bytes));
  }

  // "read 1200 rows" or "read 1200 rows, 3 errors": rows are checked and
  // written (uncommitted) as they are read, so this is the work done so far.
  std::string rows_message() const {
    std::string out = "read " + std::to_string(rows_read_) + (rows_read_ == 1 ? " row" : " rows");
    if (!errors_.empty()) {
      out += ", " + std::to_string(errors_.size()) + (errors_.size() == 1 ? " error" : " errors");
    }
    return out;
  }

  // Every kProgressRows rows or 1% of the input, whichever comes first.
  void maybe_report_progress(std::size_t bytes) {
    if (!options_.progress) return;
    if (++rows_since_report_ < kProgressRows && bytes < next_report_bytes_) return;
    rows_since_report_ = 0;
    if (options_.total_bytes > 0) {
      next_report_bytes_ = bytes + std::max<std::size_t>(1, options_.total_bytes / 100);
    } else {
      next_report_bytes_ = SIZE_MAX;
    }
    options_.progress(fraction_at(bytes), rows_message());
  }

  storage::Store& store_;
  const ImportOptions& options_;
  ErrorList errors_;
  ImportResult result_;
  core::DatasetSchema schema_;
  bool inferred_ = false;
  bool save_schema_ = false;
  std::vector<std::string> header_;
  std::vector<int> column_attr_;                      // header column -> schema attribute
  std::vector<std::size_t> sample_bytes_;             // input read when each sample record was
  std::unordered_map<std::string, long> first_line_;  // id -> line it was first seen on
  core::Customer customer_;
  std::vector<nlohmann::json*> slots_;  // attribute index -> its value in customer_
  long id_column_ = 1;
  std::int64_t rows_read_ = 0;  // records after the header, good or not
  std::int64_t rows_since_report_ = 0;
  std::size_t next_report_bytes_ = 0;
  CsvReader* reader_ = nullptr;
  bool malformed_ = false;
  std::unique_ptr<storage::CustomerWriter> writer_;
};

}  // namespace

ImportResult import_csv(storage::Store& store, std::istream& in, const ImportOptions& options) {
  Importer importer(store, options);
  return importer.run(in);
}

}  // namespace churnwatch::services
