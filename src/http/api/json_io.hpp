// Reading JSON request bodies and writing JSON responses.
#pragma once

#include <nlohmann/json.hpp>

#include "http/message.hpp"

namespace churnwatch::http {

constexpr int kMaxJsonDepth = 32;

// Parses the body as JSON. Throws Invalid when the content type is not JSON
// or nesting is deeper than kMaxJsonDepth; nlohmann's parse_error (mapped to
// 400 invalid-json) when it is malformed.
nlohmann::json parse_json_body(const Request& req);

Response json_response(int status, const nlohmann::json& body);

}  // namespace churnwatch::http
