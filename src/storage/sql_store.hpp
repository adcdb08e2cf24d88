// The Store over SOCI, shared by every SQL backend: reads go through a pool of
// sessions, small writes (users, settings) run on them in autocommit, and
// customer imports go through the backend's CustomerWriter, one at a time.
// A backend supplies its sessions, its dialect and its writer.
#pragma once

#include <memory>
#include <mutex>

#include "storage/session_pool.hpp"
#include "storage/sql_dialect.hpp"
#include "storage/store.hpp"

namespace churnwatch::storage {

class SqlStore : public Store {
 public:
  SqlStore(SqlDialect dialect, std::unique_ptr<SessionPool> readers);

  void ping() override;
  std::optional<core::DatasetSchema> current_schema() override;

  CustomerPage list_customers(const CustomerQuery& q) override;
  void for_each_customer(const CustomerQuery& q,
                         const std::function<void(const core::Customer&)>& fn) override;
  std::optional<core::Customer> find_customer(std::string_view external_id) override;
  std::int64_t count_customers() override;
  std::unique_ptr<CustomerWriter> begin_write(WriteMode mode) final;

  std::optional<User> find_user(std::string_view username) override;
  std::optional<User> find_user_by_id(std::int64_t id) override;
  std::vector<User> list_users() override;
  User create_user(const User& u) override;
  User update_user(const User& u) override;

  std::optional<std::string> get_setting(std::string_view key) override;
  void put_setting(std::string_view key, std::string_view value) override;

 protected:
  // Opens the backend's writer; it must keep `lock` until it is destroyed,
  // which is what makes writers take turns.
  virtual std::unique_ptr<CustomerWriter> open_writer(WriteMode mode,
                                                      std::unique_lock<std::mutex> lock) = 0;
  const SqlDialect& dialect() const { return dialect_; }

 private:
  SqlDialect dialect_;
  std::unique_ptr<SessionPool> readers_;
  std::mutex write_mu_;
};

// Saves `schema` as the next version on `sql` (inside the caller's
// transaction) and returns it with its version set.
core::DatasetSchema save_schema_version(soci::session& sql, core::DatasetSchema schema);

}  // namespace churnwatch::storage
