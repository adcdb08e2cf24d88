// Cross-origin requests to the API. Closed unless origins are configured
// (CHURNWATCH_CORS_ORIGINS): with none, no response carries CORS headers and
// browsers keep other sites' pages out. Only /api/ paths take part; the UI is
// served from the API's own origin and needs none of this.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace churnwatch::http {

// Parses "https://a.example, https://b.example:8443" into origins
// (scheme://host[:port], no path, no trailing slash). Throws Invalid naming
// a malformed entry.
std::vector<std::string> parse_origin_list(std::string_view text);

// The answer to a preflight (OPTIONS with Origin and
// Access-Control-Request-Method) from an allowed origin; nullopt for
// anything else, which then gets the ordinary OPTIONS answer without CORS
// headers.
std::optional<Response> cors_preflight(const Request &req, const std::vector<std::string> &allowed);

// Adds Access-Control-Allow-Origin (and Vary, exposed headers) when the
// request's Origin is allowed.
void apply_cors(Response &res, const Request &req, const std::vector<std::string> &allowed);

}  // namespace churnwatch::http
