// Maps "METHOD /path/{param}" to handlers. Patterns are literal segments and
// {name} segments matching one non-empty segment; literal segments win over
// parameters ("/customers/export" before "/customers/{id}").
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "http/message.hpp"

namespace churnwatch::http {

using Handler = std::function<Response(Request&)>;
// A route's guard (rate limits, authentication, role); throws core::Error
// to refuse the request.
using Admission = std::function<void(Request&)>;

// A body limit meaning "the server's largest" (ServerOptions::max_body_bytes).
inline constexpr std::size_t kLargestBody = SIZE_MAX;

// How much body a route takes and where it goes. The server reads no more
// than this, and reads a large body only after the route's admission let the
// request in, so nobody unauthenticated makes the server hold more than
// the small default.
struct BodyLimit {
  // 0: the server's default (ServerOptions::default_body_bytes, for routes
  // that take JSON); kLargestBody: ServerOptions::max_body_bytes; otherwise
  // this many bytes, never more than max_body_bytes.
  std::size_t max_bytes = 0;
  // Written to a temporary file as it arrives (Request::body_file) instead
  // of memory; the server removes the file after the response.
  bool to_file = false;
};

struct Route {
  std::string method;
  std::string pattern;  // as written, e.g. "/api/v1/customers/{id}"
  Handler handler;
  // Runs on the request's header alone, before its body is read; dispatch
  // runs it when the server has not (Request::admitted).
  Admission admit;
  BodyLimit body;
};

class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler, Admission admit = {},
           BodyLimit body = {});

  enum class Match { kFound, kNoPath, kWrongMethod };
  // On kFound sets `out` and fills req.params. On kWrongMethod fills `allowed`
  // with the methods the path does accept (for 405 + Allow).
  Match match(Request& req, const Route** out, std::vector<std::string>* allowed) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace churnwatch::http
