// What happens to a request between the wire and the wire, without any
// Boost.Beast types: request ids, routing, middleware, static files, errors
// as problems, response policy headers and the access log line. server.cpp
// only moves bytes.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "http/message.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "http/static_files.hpp"

namespace churnwatch::http {

// True for a client-chosen id we are willing to echo and log: 1..128
// characters of [A-Za-z0-9._-].
bool is_sane_request_id(std::string_view id);
// The client's X-Request-Id when sane, else a fresh random one.
std::string assign_request_id(std::string_view client_value);

// Fills path and query from target. Returns false when the target is not an
// origin-form path, carries malformed percent escapes or decodes to text
// that is not UTF-8.
bool decode_target(Request& req);

// Routes `req` and runs middleware + handler; unknown non-API GET/HEAD paths
// go to `static_files` when given. Never throws: every failure becomes a
// problem response. OPTIONS on a known path without an OPTIONS route answers
// 204 with Allow.
Response dispatch(const Router& router, const Middleware& middleware,
                  const StaticFiles* static_files, Request& req);

// Adds the headers every response carries (X-Request-Id, security headers,
// Cache-Control: no-store under /api/) and the request id as a problem's
// `instance`.
void apply_response_policy(Response& res, const Request& req);

// A problem response for a request that could not even be parsed.
Response transport_problem(int status, std::string_view slug, std::string_view title,
                           std::string detail, const std::string& request_id);

struct AccessRecord {
  std::string request_id;
  std::string method;
  std::string path;
  int status = 0;
  std::size_t bytes = 0;
  std::chrono::steady_clock::time_point started;
  std::string remote_ip;
  std::string user;
};
// Counts a finished request in core::default_metrics():
// churnwatch_http_requests_total{method,route,status} and
// churnwatch_http_request_duration_seconds{method,route} (from the first
// header byte to the last body byte written). `route` is req.route, or
// "unmatched"; an unusual method counts as "other".
void record_request_metrics(const Request& req, int status, std::chrono::steady_clock::duration elapsed);

// One JSON object (no newline): time, request_id, method, path, status,
// bytes, duration_ms, remote_ip, user. Never headers or bodies.
std::string access_log_line(const AccessRecord& record);

}  // namespace churnwatch::http
