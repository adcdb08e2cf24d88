// JSON request bodies: parse_json_body must accept a body or reject it with
// core::Invalid (limits) or nlohmann's parse_error (syntax, mapped to 400);
// an accepted object then goes through attribute validation as a customer's
// attributes would.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "fuzz_schema.hpp"
#include "http/api/json_io.hpp"
#include "services/customers.hpp"

using namespace churnwatch;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data,
                                      std::size_t size) {
  http::Request req;
  req.method = "POST";
  req.headers["content-type"] = "application/json";
  req.body.assign(reinterpret_cast<const char *>(data), size);
  nlohmann::json body;
  try {
    body = http::parse_json_body(req);
  } catch (const core::Invalid &) {
    return 0;
  } catch (const nlohmann::json::parse_error &) {
    return 0;
  }
  // What json_response does with every response body.
  (void)body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const nlohmann::json &attrs =
      body.contains("attributes") ? body["attributes"] : body;
  std::vector<core::FieldError> errors;
  try {
    services::validate_attributes(fuzz::bank_schema(), attrs, errors,
                                  "attributes.");
  } catch (const core::Invalid &) {
  }
  return 0;
}
