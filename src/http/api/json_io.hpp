// Reading JSON request bodies and writing JSON responses.
#pragma once

#include <nlohmann/json.hpp>

#include "http/message.hpp"

namespace churnwatch::http {

constexpr int kMaxJsonDepth = 32;
// Longest string value or member name, in bytes: far beyond any attribute,
// short enough that a handler never copies megabytes per field.
constexpr std::size_t kMaxJsonStringBytes = 64 << 10;
// Most members of one object (a customer's attributes, a schema's fields).
constexpr std::size_t kMaxJsonObjectMembers = 1000;

// Parses the body as JSON. Throws Invalid when the content type is not JSON,
// nesting is deeper than kMaxJsonDepth, a string or name is longer than
// kMaxJsonStringBytes or an object has more than kMaxJsonObjectMembers
// members or a number does not fit a double (1e400); nlohmann's parse_error
// (mapped to 400 invalid-json) when it is malformed.
nlohmann::json parse_json_body(const Request& req);

Response json_response(int status, const nlohmann::json& body);

// The whole-number query parameter `name`, `fallback` when absent. Throws
// Invalid with a field error naming it when it is not a whole number in
// [lo, hi].
std::int64_t query_int(const Request& req, std::string_view name, std::int64_t fallback, std::int64_t lo,
                       std::int64_t hi);

}  // namespace churnwatch::http
