#include "http/api/json_io.hpp"

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
  return nlohmann::json::parse(req.body, guard);
}

Response json_response(int status, const nlohmann::json& body) {
  return Response::json(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace churnwatch::http
