#include "http/api/json_io.hpp"

#include "core/errors.hpp"

namespace churnwatch::http {

nlohmann::json parse_json_body(const Request& req) {
  std::string_view type = req.header("content-type");
  if (type.substr(0, type.find(';')) != "application/json")
    throw core::Invalid("the request body must be JSON",
                        {{"Content-Type", "expected application/json, got '" + std::string(type) + "'"}});
  auto guard = [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
    if (depth > kMaxJsonDepth)
      throw core::Invalid("the JSON body is nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    return true;
  };
  return nlohmann::json::parse(req.body, guard);
}

Response json_response(int status, const nlohmann::json& body) {
  return Response::json(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace churnwatch::http
