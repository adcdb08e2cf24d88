// The one way to parse a JSON document that came from outside: request
// bodies, the schema part of an upload, replies of remote services. Limits
// are checked while parsing, so a hostile document is refused before it is
// built (nlohmann's parser and the destructor, copy and dump of what it
// builds recurse once per nesting level: 100,000 levels overflow the stack).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

namespace churnwatch::core {

struct JsonLimits {
  int max_depth = 32;
  // Longest string value or member name, in bytes: far beyond any attribute,
  // short enough that a handler never copies megabytes per field.
  std::size_t max_string_bytes = 64 << 10;
  // Most members of one object (a customer's attributes, a schema's fields).
  std::size_t max_object_members = 1000;
};

// Parses `text`. Throws Invalid with a field error on `what` ("body",
// "schema", ...) when nesting is deeper than the limit, a string or member
// name is longer, an object has more members, or a number does not fit a
// double (1e400); nlohmann's parse_error (with the byte position) when the
// text is not JSON or not UTF-8.
nlohmann::json parse_untrusted_json(std::string_view text, std::string_view what,
                                    const JsonLimits& limits = {});

// The same checks without exceptions: a discarded value
// (`is_discarded()`) for anything parse_untrusted_json refuses. For replies
// of remote services, where a bad document is read as "no details".
nlohmann::json parse_untrusted_json_or_discarded(std::string_view text,
                                                 const JsonLimits& limits = {}) noexcept;

}  // namespace churnwatch::core
