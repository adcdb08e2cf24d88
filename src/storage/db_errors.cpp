#include "storage/db_errors.hpp"

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <spdlog/spdlog.h>

#include <string>

#include "core/errors.hpp"

namespace churnwatch::storage {

void throw_sqlite_error(int code, std::string_view action, std::string_view detail) {
  spdlog::warn("database error while {}: {} (code {})", action, detail, code);
  std::string reason = sqlite_api::sqlite3_errstr(code);
  std::string msg = "database error while " + std::string(action) + ": " + reason;
  if ((code & 0xff) == SQLITE_CONSTRAINT) throw core::Conflict(msg);
  throw core::Unavailable(msg);
}

void rethrow_as_store_error(std::string_view action) {
  try {
    throw;
  } catch (const core::Error&) {
    throw;
  } catch (const soci::sqlite3_soci_error& e) {
    throw_sqlite_error(e.result(), action, e.what());
  } catch (const soci::soci_error& e) {
    spdlog::warn("database error while {}: {}", action, e.what());
    std::string msg = "database error while " + std::string(action);
    if (e.get_error_category() == soci::soci_error::constraint_violation) {
      throw core::Conflict(msg + ": constraint failed");
    }
    if (e.get_error_category() == soci::soci_error::connection_error) {
      throw core::Unavailable(msg + ": cannot reach the database");
    }
    throw core::Unavailable(msg);
  }
}

}  // namespace churnwatch::storage
