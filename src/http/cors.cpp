#include "http/cors.hpp"

#include <algorithm>

#include "core/errors.hpp"
#include "core/text.hpp"

namespace churnwatch::http {
namespace {

constexpr const char *kAllowMethods = "GET, HEAD, POST, PUT, PATCH, DELETE";
constexpr const char *kAllowHeaders = "Authorization, Content-Type, X-Request-Id";
constexpr const char *kExposeHeaders = "Location, Retry-After, X-Request-Id, Content-Disposition";
constexpr const char *kMaxAgeSeconds = "600";

bool is_api_path(std::string_view path) { return path == "/api" || path.rfind("/api/", 0) == 0; }


bool valid_origin(std::string_view o) {
  std::string_view rest;
  if (o.rfind("https://", 0) == 0) {
    rest = o.substr(8);
  } else if (o.rfind("http://", 0) == 0) {
    rest = o.substr(7);
  } else {
    return false;
  }
  if (rest.empty()) return false;
  return std::all_of(rest.begin(), rest.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '[' ||
           c == ']';
  });
}

// The Origin header when it is exactly one of the allowed origins.
std::optional<std::string> allowed_origin(const Request &req, const std::vector<std::string> &allowed) {
  if (allowed.empty() || !is_api_path(req.path)) return std::nullopt;
  const std::string origin(req.header("origin"));
  if (origin.empty() || std::find(allowed.begin(), allowed.end(), origin) == allowed.end())
    return std::nullopt;
  return origin;
}

}  // namespace

std::vector<std::string> parse_origin_list(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    std::string entry(core::trim(text.substr(0, comma)));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (entry.empty()) continue;
    if (!valid_origin(entry))
      throw core::Invalid("'" + entry + "' is not an origin",
                          {{"CHURNWATCH_CORS_ORIGINS", "comma-separated scheme://host[:port], no path"}});
    out.push_back(core::ascii_lower(entry));
  }
  return out;
}

std::optional<Response> cors_preflight(const Request &req, const std::vector<std::string> &allowed) {
  if (req.method != "OPTIONS" || req.header("access-control-request-method").empty()) return std::nullopt;
  auto origin = allowed_origin(req, allowed);
  if (!origin) return std::nullopt;
  Response res;
  res.status = 204;
  res.content_type.clear();
  res.set_header("Access-Control-Allow-Origin", *origin);
  res.set_header("Access-Control-Allow-Methods", kAllowMethods);
  res.set_header("Access-Control-Allow-Headers", kAllowHeaders);
  res.set_header("Access-Control-Max-Age", kMaxAgeSeconds);
  res.set_header("Vary", "Origin");
  return res;
}

void apply_cors(Response &res, const Request &req, const std::vector<std::string> &allowed) {
  auto origin = allowed_origin(req, allowed);
  if (!origin) return;
  for (const auto &[name, value] : res.headers)
    if (name == "Access-Control-Allow-Origin") return;  // a preflight answer already has them
  res.set_header("Access-Control-Allow-Origin", *origin);
  res.set_header("Access-Control-Expose-Headers", kExposeHeaders);
  res.set_header("Vary", "Origin");
}

}  // namespace churnwatch::http
