#include <cctype>

#include "core/errors.hpp"
#include "storage/postgres_store.hpp"
#include "storage/sqlite_store.hpp"
#include "storage/store.hpp"

namespace churnwatch::storage {

namespace {

// The scheme of "scheme://rest", or "" when `url` is a plain path.
std::string scheme_of(const std::string& url) {
  auto pos = url.find("://");
  if (pos == std::string::npos || pos == 0) return "";
  for (std::size_t i = 0; i < pos; ++i) {
    unsigned char c = static_cast<unsigned char>(url[i]);
    bool ok = std::isalpha(c) || (i > 0 && (std::isdigit(c) || c == '+' || c == '-' || c == '.'));
    if (!ok) return "";
  }
  return url.substr(0, pos);
}

}  // namespace

std::unique_ptr<Store> open_store(const std::string& url, const std::string& replica_url) {
  std::string scheme = scheme_of(url);
  const bool postgres = scheme == "postgresql" || scheme == "postgres";
  if (!replica_url.empty()) {
    if (!postgres) throw core::Invalid("a read replica needs a PostgreSQL database URL");
    const std::string replica_scheme = scheme_of(replica_url);
    if (replica_scheme != "postgresql" && replica_scheme != "postgres") {
      throw core::Invalid("the read replica URL must be a postgresql:// URL");
    }
  }
  if (scheme.empty()) {
    if (url.empty()) throw core::Invalid("the database URL is empty");
    return open_sqlite_store(url);
  }
  if (scheme == "sqlite") {
    // sqlite:///abs/path.db keeps its leading '/'; sqlite://rel.db is relative.
    std::string path = url.substr(scheme.size() + 3);
    if (path.empty()) throw core::Invalid("the database URL '" + url + "' names no file");
    return open_sqlite_store(path);
  }
  if (postgres) return open_postgres_store(url, replica_url);
  throw core::Invalid("unsupported database URL scheme '" + scheme +
                      "'; use sqlite:// or postgresql://");
}

}  // namespace churnwatch::storage
