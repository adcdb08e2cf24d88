// The Store: everything churnwatch persists, behind one small interface. The
// embedded default is SQLite (sqlite_store.*); PostgreSQL implements the same
// interface and passes the same conformance suite (tests/storage/).
//
// Thread safety: every method may be called from any thread. Writes go
// through a CustomerWriter, one open at a time per store (others wait).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/customer.hpp"
#include "core/schema.hpp"

namespace churnwatch::storage {

enum class FilterOp { kEq, kNe, kLt, kLte, kGt, kGte, kIn, kContains };

// One condition on one attribute. `values` are typed JSON values (numbers,
// strings, booleans) already checked against the schema by the caller; kIn
// takes any number of them, kContains one string (case-insensitive
// substring), the others exactly one.
struct Filter {
  std::string attribute;
  FilterOp op = FilterOp::kEq;
  std::vector<nlohmann::json> values;
};

struct CustomerQuery {
  std::vector<Filter> filters;        // all must hold
  std::string search;                 // case-insensitive substring of id or display name
  std::string sort_by;                // attribute name; empty: by external id
  bool descending = false;
  std::int64_t limit = 50;            // <= 0: no limit (streaming export)
  std::int64_t offset = 0;
};

struct CustomerPage {
  std::vector<core::Customer> items;
  std::int64_t total = 0;  // matches of the filters, ignoring limit/offset
};

enum class WriteMode {
  kInsert,   // an existing id is a duplicate
  kUpsert,   // an existing id is updated
  kReplace,  // every customer is deleted first, then as kInsert
};

enum class PutOutcome { kCreated, kUpdated, kDuplicate };

// One write transaction. Nothing is visible to readers until commit();
// destroying an uncommitted writer rolls everything back, so a failed import
// leaves the data exactly as it was.
class CustomerWriter {
 public:
  virtual ~CustomerWriter() = default;
  // Stores `c` (external_id, display_name, label, attributes). Sets
  // created_at/updated_at. kDuplicate means nothing was written.
  virtual PutOutcome put(const core::Customer& c) = 0;
  // Returns false when no customer has that id.
  virtual bool remove(std::string_view external_id) = 0;
  // Stores `schema` as the next version in the same transaction and returns it.
  virtual core::DatasetSchema save_schema(core::DatasetSchema schema) = 0;
  virtual void commit() = 0;
};

struct User {
  std::int64_t id = 0;
  std::string username;
  std::string password_hash;  // argon2id, libsodium's encoded string
  std::string role;           // admin | analyst | viewer
  bool active = true;
  std::string created_at;
  std::string updated_at;
};

class Store {
 public:
  virtual ~Store() = default;

  // Throws Unavailable when the database cannot be reached.
  virtual void ping() = 0;

  // --- dataset schema ---------------------------------------------------
  // The newest stored schema, or nullopt before the first import.
  virtual std::optional<core::DatasetSchema> current_schema() = 0;

  // --- customers --------------------------------------------------------
  virtual CustomerPage list_customers(const CustomerQuery& q) = 0;
  // Calls `fn` for every match in query order, without holding them all in
  // memory (limit <= 0 means all).
  virtual void for_each_customer(const CustomerQuery& q,
                                 const std::function<void(const core::Customer&)>& fn) = 0;
  virtual std::optional<core::Customer> find_customer(std::string_view external_id) = 0;
  virtual std::int64_t count_customers() = 0;
  // Opens a write transaction; blocks while another writer is open.
  virtual std::unique_ptr<CustomerWriter> begin_write(WriteMode mode) = 0;

  // --- users ------------------------------------------------------------
  virtual std::optional<User> find_user(std::string_view username) = 0;
  virtual std::optional<User> find_user_by_id(std::int64_t id) = 0;
  virtual std::vector<User> list_users() = 0;
  // Throws Conflict when the username is taken. Returns the stored user.
  virtual User create_user(const User& u) = 0;
  // Updates role, active, password_hash of the user with u.id; NotFound if none.
  virtual User update_user(const User& u) = 0;

  // --- settings (small key/value pairs the product keeps) -----------------
  virtual std::optional<std::string> get_setting(std::string_view key) = 0;
  virtual void put_setting(std::string_view key, std::string_view value) = 0;
};

// Opens the store named by `url`: "sqlite:///abs/path.db", "sqlite://rel.db"
// or a plain file path for SQLite. Applies pending migrations. Throws
// Invalid for an unknown scheme, Unavailable when it cannot open.
std::unique_ptr<Store> open_store(const std::string& url);

}  // namespace churnwatch::storage
