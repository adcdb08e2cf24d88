// GET /api/v1/audit: the audit log for admins, newest first, filtered by
// actor, action (exact, or a prefix ending in '.') and time, paginated.
#include "core/errors.hpp"
#include "http/api/json_io.hpp"
#include "http/api/routes.hpp"

namespace churnwatch::http {
namespace {

constexpr std::int64_t kMaxAuditPage = 1000;

std::int64_t count_param(const Request &req, const char *name, std::int64_t fallback, std::int64_t lo,
                         std::int64_t hi, std::vector<core::FieldError> &errors) {
  auto v = req.query_param(name);
  if (!v) return fallback;
  try {
    std::size_t used = 0;
    const auto n = std::stoll(*v, &used);
    if (used == v->size() && n >= lo && n <= hi) return n;
  } catch (const std::exception &) {
  }
  errors.push_back({name, "must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi)});
  return fallback;
}

// A UTC timestamp that compares correctly with the stored ones:
// YYYY-MM-DD, optionally followed by THH:MM[:SS[.mmm]]Z.
bool is_timestamp(const std::string &s) {
  static const std::string kShape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (s.size() < 10 || s.size() > kShape.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char want = kShape[i];
    const bool last = i + 1 == s.size();
    if (last && s.size() > 10 && s[i] == 'Z') continue;
    if (want == 'd' ? !std::isdigit(static_cast<unsigned char>(s[i])) : s[i] != want) return false;
  }
  return s.size() == 10 || s.back() == 'Z';
}

nlohmann::json entry_to_json(const storage::AuditEntry &e) {
  return {{"id", e.id},
          {"at", e.at},
          {"actor_id", e.actor_id == 0 ? nlohmann::json(nullptr) : nlohmann::json(e.actor_id)},
          {"actor", e.actor},
          {"action", e.action},
          {"target", e.target},
          {"address", e.address},
          {"details", e.details}};
}

}  // namespace

void add_audit_routes(ApiRouter &api, ApiContext &ctx) {
  api.route("GET", "/api/v1/audit", services::AccessLevel::kAdmin, [&ctx](Request &req) {
    storage::AuditQuery q;
    std::vector<core::FieldError> errors;
    q.actor = req.query_param("actor").value_or("");
    q.action = req.query_param("action").value_or("");
    for (auto [name, slot] : {std::pair{"since", &q.since}, std::pair{"until", &q.until}}) {
      *slot = req.query_param(name).value_or("");
      if (!slot->empty() && !is_timestamp(*slot))
        errors.push_back({name, "must be a UTC time like 2026-11-28 or 2026-11-28T09:30:00Z"});
    }
    q.limit = count_param(req, "limit", 50, 1, kMaxAuditPage, errors);
    q.offset = count_param(req, "offset", 0, 0, std::numeric_limits<std::int64_t>::max(), errors);
    if (!errors.empty()) throw core::Invalid("invalid audit query", errors);
    auto page = ctx.store.list_audit(q);
    nlohmann::json items = nlohmann::json::array();
    for (const auto &e : page.items) items.push_back(entry_to_json(e));
    return json_response(200,
                         {{"items", items}, {"total", page.total}, {"limit", q.limit}, {"offset", q.offset}});
  });
}

}  // namespace churnwatch::http
