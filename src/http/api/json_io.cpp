#include "http/api/json_io.hpp"

#include <charconv>

#include "core/errors.hpp"

namespace churnwatch::http {

nlohmann::json parse_json_body(const Request& req) {
  std::string_view type = req.header("content-type");
  if (type.substr(0, type.find(';')) != "application/json")
    throw core::Invalid("the request body must be JSON",
                        {{"Content-Type", "expected application/json, got '" + std::string(type) + "'"}});
  using Event = nlohmann::json::parse_event_t;
  auto guard = [](int depth, Event event, nlohmann::json& parsed) {
    if (depth > kMaxJsonDepth)
      throw core::Invalid("the JSON body is nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    if ((event == Event::key || event == Event::value) && parsed.is_string() &&
        parsed.get_ref<const std::string&>().size() > kMaxJsonStringBytes)
      throw core::Invalid("a JSON string in the body is longer than " + std::to_string(kMaxJsonStringBytes) +
                          " bytes");
    if (event == Event::object_end && parsed.size() > kMaxJsonObjectMembers)
      throw core::Invalid("a JSON object in the body has more than " + std::to_string(kMaxJsonObjectMembers) +
                          " members");
    return true;
  };
  try {
    return nlohmann::json::parse(req.body, guard);
  } catch (const nlohmann::json::out_of_range& err) {
    // A well-formed number too large for a double (1e400) is the client's
    // mistake, not the server's: without this it escaped as an internal error.
    throw core::Invalid("a JSON number in the body is out of range",
                        {{"body", "numbers must fit a 64-bit float or integer (" + std::string(err.what()) + ")"}});
  }
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
