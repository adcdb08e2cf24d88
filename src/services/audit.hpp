// Writing the audit log: who did what, when, from where. Appending never
// fails the action being audited: a store error is logged and swallowed, so
// a full disk does not lock everyone out (the server log still has it).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "storage/store.hpp"

namespace churnwatch::services {

struct Actor {
  std::int64_t id = 0;  // 0: nobody signed in
  std::string name;     // username, or the one typed at a failed sign-in
  std::string address;  // client IP; "" for the CLI
};

class Audit {
 public:
  explicit Audit(storage::Store &store) : store_(store) {}
  void record(const Actor &who, std::string_view action, std::string_view target = {},
              nlohmann::json details = nlohmann::json::object());
  storage::AuditPage list(const storage::AuditQuery &q) { return store_.list_audit(q); }

 private:
  storage::Store &store_;
};

}  // namespace churnwatch::services
