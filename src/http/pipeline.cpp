#include "http/pipeline.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "core/random.hpp"
#include "core/text.hpp"
#include "http/problem.hpp"
#include "http/url.hpp"

namespace churnwatch::http {

namespace {

constexpr std::string_view kCsp =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

bool is_api_path(std::string_view path) { return path == "/api" || path.rfind("/api/", 0) == 0; }

bool has_header(const Response& res, std::string_view name) {
  for (const auto& [key, value] : res.headers) {
    if (core::iequals(key, name)) return true;
  }
  return false;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

}  // namespace

bool is_sane_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string assign_request_id(std::string_view client_value) {
  if (is_sane_request_id(client_value)) return std::string(client_value);
  return core::random_hex(16);
}

bool decode_target(Request& req) {
  const std::string_view target = req.target;
  if (target.empty() || target.front() != '/') return false;
  const auto question = target.find('?');
  auto path = percent_decode(target.substr(0, question));
  // Paths and query values end up in JSON and SQL text, which must be UTF-8.
  if (!path || core::invalid_utf8_at(*path) != std::string::npos) return false;
  req.path = std::move(*path);
  req.query.clear();
  if (question != std::string_view::npos) {
    auto query = parse_query(target.substr(question + 1));
    if (!query) return false;
    for (const auto& [name, value] : *query)
      if (core::invalid_utf8_at(name) != std::string::npos ||
          core::invalid_utf8_at(value) != std::string::npos)
        return false;
    req.query = std::move(*query);
  }
  return true;
}

Response dispatch(const Router& router, const Middleware& middleware,
                  const StaticFiles* static_files, Request& req) {
  try {
    const Route* route = nullptr;
    std::vector<std::string> allowed;
    switch (router.match(req, &route, &allowed)) {
      case Router::Match::kFound:
        req.route = route->pattern;
        if (route->admit && !req.admitted) {
          route->admit(req);
          req.admitted = true;
        }
        if (middleware) middleware(req);
        return route->handler(req);
      case Router::Match::kWrongMethod: {
        Response res;
        if (req.method == "OPTIONS") {
          res.status = 204;
          res.content_type.clear();
        } else {
          res = problem(405, "method-not-allowed", "Method not allowed",
                        req.method + " is not allowed on " + req.path);
        }
        res.set_header("Allow", join(allowed));
        return res;
      }
      case Router::Match::kNoPath:
        break;
    }
    if (static_files && (req.method == "GET" || req.method == "HEAD") && !is_api_path(req.path)) {
      req.route = "static";
      return static_files->serve(req);
    }
    return problem(404, "not-found", "Not found", "no route for " + req.path);
  } catch (...) {
    return problem_from_exception(std::current_exception(), req);
  }
}

void apply_response_policy(Response& res, const Request& req) {
  res.set_header("X-Request-Id", req.request_id);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("X-Frame-Options", "DENY");
  if (!has_header(res, "Content-Security-Policy"))
    res.set_header("Content-Security-Policy", std::string(kCsp));
  if (is_api_path(req.path)) res.set_header("Cache-Control", "no-store");

  if (res.content_type.rfind("application/problem+json", 0) == 0 && !res.stream) {
    auto doc = nlohmann::json::parse(res.body, nullptr, false);
    if (doc.is_object() && doc.value("instance", std::string()).empty()) {
      doc["instance"] = req.request_id;
      res.body = doc.dump();
    }
  }
}

Response transport_problem(int status, std::string_view slug, std::string_view title,
                           std::string detail, const std::string& request_id) {
  Response res = problem(status, slug, title, std::move(detail));
  Request req;
  req.request_id = request_id;
  apply_response_policy(res, req);
  return res;
}

void record_request_metrics(const Request& req, int status, std::chrono::steady_clock::duration elapsed) {
  static auto& requests = core::default_metrics().counter(
      "churnwatch_http_requests_total", "HTTP requests answered, by method, route template and status.",
      {"method", "route", "status"});
  static auto& latency = core::default_metrics().histogram(
      "churnwatch_http_request_duration_seconds",
      "Time from a request's first byte to its response's last byte, by method and route template.",
      {"method", "route"});
  static constexpr std::string_view kMethods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  // Methods and routes are bounded sets; anything else is folded so a client
  // cannot create time series at will.
  std::string method = "other";
  for (auto m : kMethods)
    if (req.method == m) method = std::string(m);
  const std::string& route = req.route.empty() ? std::string("unmatched") : req.route;
  requests.with({method, route, std::to_string(status)}).inc();
  latency.with({method, route}).observe(std::chrono::duration<double>(elapsed).count());
}

std::string access_log_line(const AccessRecord& r) {
  const auto elapsed = std::chrono::steady_clock::now() - r.started;
  const double ms = std::chrono::duration<double, std::milli>(elapsed).count();
  nlohmann::json line = {
      {"time", core::now_iso8601()},
      {"request_id", r.request_id},
      {"method", r.method},
      {"path", r.path},
      {"status", r.status},
      {"bytes", r.bytes},
      {"duration_ms", std::round(ms * 1000.0) / 1000.0},
      {"remote_ip", r.remote_ip},
      {"user", r.user.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.user)},
  };
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace churnwatch::http
