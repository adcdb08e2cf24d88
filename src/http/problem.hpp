// RFC 9457 problem documents: the one place that maps errors to HTTP.
#pragma once

#include <exception>
#include <string>

#include "core/errors.hpp"
#include "http/message.hpp"

namespace churnwatch::http {

// Builds an application/problem+json response with a stable `type`
// ("https://churnwatch.dev/problems/<slug>"... relative: "/problems/<slug>"),
// `title`, `status`, `detail`, `instance` (request id) and `errors[]`.
Response problem(int status, std::string_view slug, std::string_view title, std::string detail,
                 const std::vector<core::FieldError>& errors = {});
// Maps a caught exception (core::Error kinds, nlohmann parse errors, anything
// else as 500 without leaking internals).
Response problem_from_exception(std::exception_ptr e, const Request& req);

}  // namespace churnwatch::http
