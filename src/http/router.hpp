// Maps "METHOD /path/{param}" to handlers. Patterns are literal segments and
// {name} segments matching one non-empty segment; literal segments win over
// parameters ("/customers/export" before "/customers/{id}").
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "http/message.hpp"

namespace churnwatch::http {

using Handler = std::function<Response(Request&)>;

struct Route {
  std::string method;
  std::string pattern;  // as written, e.g. "/api/v1/customers/{id}"
  Handler handler;
};

class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler);

  enum class Match { kFound, kNoPath, kWrongMethod };
  // On kFound sets `out` and fills req.params. On kWrongMethod fills `allowed`
  // with the methods the path does accept (for 405 + Allow).
  Match match(Request& req, const Route** out, std::vector<std::string>* allowed) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace churnwatch::http
