#include "http/problem.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace churnwatch::http {

namespace {

constexpr const char* kProblemType = "application/problem+json";

struct Mapping {
  int status;
  const char* slug;
  const char* title;
};

Mapping mapping_for(core::ErrorKind kind) {
  switch (kind) {
    case core::ErrorKind::kInvalid:
      return {422, "validation-error", "Validation failed"};
    case core::ErrorKind::kNotFound:
      return {404, "not-found", "Not found"};
    case core::ErrorKind::kConflict:
      return {409, "conflict", "Conflict"};
    case core::ErrorKind::kUnauthorized:
      return {401, "unauthorized", "Unauthorized"};
    case core::ErrorKind::kForbidden:
      return {403, "forbidden", "Forbidden"};
    case core::ErrorKind::kTooLarge:
      return {413, "payload-too-large", "Payload too large"};
    case core::ErrorKind::kRateLimited:
      return {429, "rate-limited", "Too many requests"};
    case core::ErrorKind::kUnavailable:
      return {503, "unavailable", "Service unavailable"};
  }
  return {500, "internal-error", "Internal server error"};
}

void set_instance(Response& res, const std::string& request_id) {
  auto doc = nlohmann::json::parse(res.body);
  doc["instance"] = request_id;
  res.body = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

Response problem(int status, std::string_view slug, std::string_view title, std::string detail,
                 const std::vector<core::FieldError>& errors) {
  nlohmann::json doc = {
      {"type", "/problems/" + std::string(slug)},
      {"title", title},
      {"status", status},
      {"detail", std::move(detail)},
      {"instance", ""},  // the server fills in the request id
  };
  if (!errors.empty()) {
    auto& list = doc["errors"] = nlohmann::json::array();
    for (const auto& e : errors) {
      nlohmann::json item = {{"field", e.field}, {"message", e.message}};
      item["line"] = e.line ? nlohmann::json(*e.line) : nlohmann::json(nullptr);
      item["column"] = e.column ? nlohmann::json(*e.column) : nlohmann::json(nullptr);
      list.push_back(std::move(item));
    }
  }
  Response res;
  res.status = status;
  res.content_type = kProblemType;
  // A detail may quote the client's input, which need not be UTF-8.
  res.body = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return res;
}

Response problem_from_exception(std::exception_ptr e, const Request& req) {
  Response res;
  try {
    std::rethrow_exception(e);
  } catch (const core::Error& err) {
    const Mapping m = mapping_for(err.kind());
    res = problem(m.status, m.slug, m.title, err.what(), err.errors());
    if (err.kind() == core::ErrorKind::kUnauthorized) {
      res.set_header("WWW-Authenticate", "Bearer");
    } else if (err.kind() == core::ErrorKind::kRateLimited) {
      const auto* limited = dynamic_cast<const core::RateLimited*>(&err);
      const int seconds = limited ? std::max(1, limited->retry_after) : 1;
      res.set_header("Retry-After", std::to_string(seconds));
    } else if (err.kind() == core::ErrorKind::kUnavailable) {
      res.set_header("Retry-After", "5");
    }
  } catch (const nlohmann::json::parse_error& err) {
    res = problem(400, "invalid-json", "Malformed JSON",
                  "malformed JSON at byte " + std::to_string(err.byte));
  } catch (const std::exception& err) {
    spdlog::error("request {} failed: {}", req.request_id, err.what());
    res = problem(500, "internal-error", "Internal server error",
                  "an internal error occurred; quote the request id when reporting it");
  } catch (...) {
    spdlog::error("request {} failed with a non-standard exception", req.request_id);
    res = problem(500, "internal-error", "Internal server error",
                  "an internal error occurred; quote the request id when reporting it");
  }
  set_instance(res, req.request_id);
  return res;
}

}  // namespace churnwatch::http
