#include "http/router.hpp"

#include <algorithm>
#include <optional>

#include "http/url.hpp"

namespace churnwatch::http {

namespace {

bool is_param(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

// The request path split into decoded segments. Segments are decoded one by
// one from the raw target so that an encoded '/' stays inside its segment.
std::optional<std::vector<std::string>> request_segments(const Request& req) {
  std::string_view raw = req.target;
  if (raw.empty()) raw = req.path;
  raw = raw.substr(0, raw.find('?'));
  std::vector<std::string> out;
  for (auto segment : split_path(raw)) {
    auto decoded = percent_decode(segment);
    if (!decoded) return std::nullopt;
    out.push_back(std::move(*decoded));
  }
  return out;
}

// Fills `params` when `pattern` matches; the returned rank orders matches by
// specificity (literal segments win, compared left to right).
std::optional<std::vector<bool>> match_pattern(std::string_view pattern,
                                               const std::vector<std::string>& segments,
                                               std::map<std::string, std::string>* params) {
  const auto parts = split_path(pattern);
  if (parts.size() != segments.size()) return std::nullopt;
  std::vector<bool> rank;
  rank.reserve(parts.size());
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (is_param(parts[i])) {
      if (segments[i].empty()) return std::nullopt;
      if (params) (*params)[std::string(parts[i].substr(1, parts[i].size() - 2))] = segments[i];
      rank.push_back(false);
    } else if (parts[i] == segments[i]) {
      rank.push_back(true);
    } else {
      return std::nullopt;
    }
  }
  return rank;
}

bool method_matches(const std::string& route_method, const std::string& request_method) {
  return route_method == request_method || (request_method == "HEAD" && route_method == "GET");
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler, Admission admit, BodyLimit body) {
  routes_.push_back(Route{std::move(method), std::move(pattern), std::move(handler), std::move(admit), body});
}

Router::Match Router::match(Request& req, const Route** out,
                            std::vector<std::string>* allowed) const {
  const auto segments = request_segments(req);
  if (!segments) return Match::kNoPath;

  const Route* best = nullptr;
  std::vector<bool> best_rank;
  bool exact_method = false;  // a HEAD route beats a GET route for HEAD
  std::vector<std::string> methods;
  for (const auto& route : routes_) {
    auto rank = match_pattern(route.pattern, *segments, nullptr);
    if (!rank) continue;
    methods.push_back(route.method);
    if (!method_matches(route.method, req.method)) continue;
    const bool exact = route.method == req.method;
    if (!best || *rank > best_rank || (*rank == best_rank && exact && !exact_method)) {
      best = &route;
      best_rank = std::move(*rank);
      exact_method = exact;
    }
  }
  if (best) {
    req.params.clear();
    match_pattern(best->pattern, *segments, &req.params);
    if (out) *out = best;
    return Match::kFound;
  }
  if (methods.empty()) return Match::kNoPath;
  if (allowed) {
    if (std::find(methods.begin(), methods.end(), "GET") != methods.end()) methods.push_back("HEAD");
    methods.push_back("OPTIONS");
    std::sort(methods.begin(), methods.end());
    methods.erase(std::unique(methods.begin(), methods.end()), methods.end());
    *allowed = std::move(methods);
  }
  return Match::kWrongMethod;
}

}  // namespace churnwatch::http
