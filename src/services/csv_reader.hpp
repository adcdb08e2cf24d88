// Streaming RFC 4180 CSV reading (libcsv, strict mode) that knows where each
// record starts, so every error can name its line and column.
#pragma once

#include <istream>
#include <memory>
#include <string>
#include <vector>

namespace churnwatch::services {

struct CsvRecord {
  std::vector<std::string> cells;
  long line = 0;  // 1-based line on which the record starts
};

class CsvReader {
 public:
  // `source` names the input in error messages (a file name or "request body").
  explicit CsvReader(std::istream& in, std::string source = "input", char delimiter = ',');
  ~CsvReader();
  // Reads the next record into `out`; returns false at the end of input.
  // Throws core::Invalid with the line and column of malformed quoting.
  bool next(CsvRecord& out);
  // Bytes consumed so far (for progress).
  std::size_t bytes_read() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace churnwatch::services
