// Reading JSON request bodies and writing JSON responses.
#pragma once

#include <nlohmann/json.hpp>
#include "core/json_guard.hpp"
#include "http/message.hpp"

namespace churnwatch::http {

// The body limit of the bulk customer route (services::kMaxBulkItems
// customers); other JSON routes take the server's small default.
constexpr std::size_t kBulkBodyBytes = 32 << 20;

// Parses the body as JSON through core::parse_untrusted_json (depth,
// string, member and number limits; see core/json_guard.hpp). Throws
// Invalid when the content type is not JSON or a limit is passed;
// nlohmann's parse_error (mapped to 400 invalid-json) when it is malformed.
nlohmann::json parse_json_body(const Request& req);

Response json_response(int status, const nlohmann::json& body);

// The whole-number query parameter `name`, `fallback` when absent. Throws
// Invalid with a field error naming it when it is not a whole number in
// [lo, hi].
std::int64_t query_int(const Request& req, std::string_view name, std::int64_t fallback, std::int64_t lo,
                       std::int64_t hi);

}  // namespace churnwatch::http
