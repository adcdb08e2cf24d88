// Dataset schema documents (PUT /api/v1/schema, the "schema" part of an
// import): the guarded parse must accept a document or refuse it with
// core::Invalid or nlohmann's parse_error, and so must reading it as a
// schema and validating it; wrong JSON types (a number for "type" or
// "true_text") are Invalid naming the field, never a type_error (a 500). A
// schema that validates survives its own round trip unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/errors.hpp"
#include "core/json_guard.hpp"
#include "core/schema.hpp"

using namespace churnwatch;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  core::DatasetSchema schema;
  try {
    schema = core::parse_untrusted_json(text, "schema").get<core::DatasetSchema>();
    schema.validate();
  } catch (const core::Invalid& e) {
    for (const auto& err : e.errors())
      if (err.field.empty() && err.message.empty()) std::abort();  // a field error says something
    return 0;
  } catch (const nlohmann::json::parse_error&) {
    return 0;
  }
  // What the API answers with, and what the job payload carries.
  const nlohmann::json stored = schema;
  const auto again = core::parse_untrusted_json(stored.dump(), "schema").get<core::DatasetSchema>();
  if (nlohmann::json(again) != stored) std::abort();
  return 0;
}
