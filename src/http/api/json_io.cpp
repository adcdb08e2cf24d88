#include "http/api/json_io.hpp"

#include <charconv>

#include "core/errors.hpp"

namespace churnwatch::http {

nlohmann::json parse_json_body(const Request& req) {
  std::string_view type = req.header("content-type");
  if (type.substr(0, type.find(';')) != "application/json")
    throw core::Invalid("the request body must be JSON",
                        {{"Content-Type", "expected application/json, got '" + std::string(type) + "'"}});
  return core::parse_untrusted_json(req.body, "body");
}

Response json_response(int status, const nlohmann::json& body) {
  return Response::json(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::int64_t query_int(const Request& req, std::string_view name, std::int64_t fallback, std::int64_t lo,
                       std::int64_t hi) {
  auto text = req.query_param(name);
  if (!text) return fallback;
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || ptr != text->data() + text->size() || v < lo || v > hi)
    throw core::Invalid("invalid query parameters",
                        {{std::string(name), "must be a whole number from " + std::to_string(lo) + " to " +
                                                 std::to_string(hi)}});
  return v;
}

}  // namespace churnwatch::http
