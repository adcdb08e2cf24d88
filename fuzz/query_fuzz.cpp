// Query strings of GET /api/v1/customers (and the export/score selections):
// parse_query decodes or rejects, then parse_customer_query turns the pairs
// into a store query or throws core::Invalid naming the bad parameter.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/errors.hpp"
#include "fuzz_schema.hpp"
#include "http/url.hpp"
#include "services/customers.hpp"

using namespace churnwatch;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data,
                                      std::size_t size) {
  const std::string_view query(reinterpret_cast<const char *>(data), size);
  const auto params = http::parse_query(query);
  if (!params)
    return 0;
  try {
    const auto q = services::parse_customer_query(fuzz::bank_schema(), *params);
    if (q.limit < 1 || q.limit > services::kMaxPageSize)
      __builtin_trap();
  } catch (const core::Invalid &) {
  }
  return 0;
}
