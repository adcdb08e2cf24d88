// The OpenAPI 3 document of the REST API. Its source is
// src/http/openapi.json, compiled into the binary; tests/http checks that it
// and the router agree on every route and role.
#pragma once

#include <string_view>

namespace churnwatch::http {

std::string_view openapi_document();

}  // namespace churnwatch::http
