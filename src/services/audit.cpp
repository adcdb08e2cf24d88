#include "services/audit.hpp"

#include <spdlog/spdlog.h>

namespace churnwatch::services {

void Audit::record(const Actor &who, std::string_view action, std::string_view target,
                   nlohmann::json details) {
  storage::AuditEntry e;
  e.actor_id = who.id;
  e.actor = who.name.substr(0, 128);
  e.action = action;
  e.target = target;
  e.address = who.address;
  e.details = std::move(details);
  try {
    store_.append_audit(e);
  } catch (const std::exception &err) {
    spdlog::error(nlohmann::json{
        {"msg", "audit entry lost"}, {"action", e.action}, {"actor", e.actor}, {"error", err.what()}}
                      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
}

}  // namespace churnwatch::services
