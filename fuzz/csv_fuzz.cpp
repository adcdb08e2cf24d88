// CSV import input: every byte string must either read as records or be
// rejected with core::Invalid; schema inference must accept whatever the
// reader yields or reject it with Invalid. Anything else (a crash, a sanitizer
// report, another exception type) is a bug.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "core/errors.hpp"
#include "services/csv_reader.hpp"
#include "services/schema_inference.hpp"

using namespace churnwatch;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data,
                                      std::size_t size) {
  const std::string text(reinterpret_cast<const char *>(data), size);
  try {
    std::istringstream in(text);
    services::CsvReader reader(in, "fuzz.csv");
    services::CsvRecord record;
    long last_line = 0;
    while (reader.next(record)) {
      if (record.line < last_line)
        __builtin_trap(); // lines only move forward
      last_line = record.line;
    }
  } catch (const core::Invalid &) {
  }
  try {
    std::istringstream in(text);
    services::infer_schema_from_csv(in, 200);
  } catch (const core::Invalid &) {
  }
  return 0;
}
