// The request and response types handlers see. They hide Boost.Beast so that
// handlers and services never include it (Beast lives in server.cpp only).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace churnwatch::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as received: path and query
  std::string path;    // decoded path without the query
  // Decoded query parameters in order; a name may repeat.
  std::vector<std::pair<std::string, std::string>> query;
  // Header names lower-cased.
  std::map<std::string, std::string> headers;
  std::string body;
  // A body the route takes as a file (BodyLimit::to_file): its path, and
  // `body` stays empty. The server removes it after the response; a handler
  // may move it away first.
  std::string body_file;
  // Path parameters by name, filled by the router ("/customers/{id}").
  std::map<std::string, std::string> params;
  // The route template that matched ("/api/v1/customers/{id}"), "static" for
  // UI files, empty when nothing matched; set by dispatch(), used as the
  // metrics label so raw paths (ids) never become time series.
  std::string route;
  std::string request_id;
  std::string remote_ip;
  // Set by the auth middleware for authenticated requests (user id, name, role).
  std::int64_t user_id = 0;
  std::string username;
  std::string role;
  // The matched route's admission already ran (before the body was read).
  bool admitted = false;

  // Header value by (any case) name, or "" when absent.
  std::string_view header(std::string_view name) const;
  // First query parameter with that name.
  std::optional<std::string> query_param(std::string_view name) const;
  const std::string& param(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  std::string body;
  // When set, the body is streamed with chunked transfer encoding: the server
  // calls `stream` repeatedly; each call appends the next piece to `out` and
  // returns false after the last one. `body` is ignored.
  std::function<bool(std::string& out)> stream;

  static Response json(int status, std::string body);
  void set_header(std::string name, std::string value);
};

}  // namespace churnwatch::http
