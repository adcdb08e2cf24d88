#include "http/message.hpp"

#include <algorithm>
#include <cctype>

#include "core/text.hpp"

namespace churnwatch::http {

std::string_view Request::header(std::string_view name) const {
  auto it = headers.find(core::ascii_lower(name));
  return it == headers.end() ? std::string_view{} : std::string_view{it->second};
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return value;
  }
  return std::nullopt;
}

const std::string& Request::param(const std::string& name) const {
  static const std::string kEmpty;
  auto it = params.find(name);
  return it == params.end() ? kEmpty : it->second;
}

Response Response::json(int status, std::string body) {
  Response res;
  res.status = status;
  res.body = std::move(body);
  return res;
}

void Response::set_header(std::string name, std::string value) {
  for (auto& [existing, existing_value] : headers) {
    if (core::iequals(existing, name)) {
      existing_value = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

}  // namespace churnwatch::http
