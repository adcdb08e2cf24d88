#include "storage/sql_store.hpp"

#include <spdlog/spdlog.h>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "storage/customer_sql.hpp"
#include "storage/db_errors.hpp"
#include "storage/sql_query.hpp"

namespace churnwatch::storage {

namespace {

const char* const kUserColumns =
    "id, username, password_hash, role, active, created_at, updated_at, session_version";

struct UserRow {
  long long id = 0;
  std::string username, password_hash, role;
  int active = 1;
  std::string created_at, updated_at;
  long long session_version = 0;

  void bind(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(username));
    st.exchange(soci::into(password_hash));
    st.exchange(soci::into(role));
    st.exchange(soci::into(active));
    st.exchange(soci::into(created_at));
    st.exchange(soci::into(updated_at));
    st.exchange(soci::into(session_version));
  }
  User to_user() const {
    return User{id, username, password_hash, role, active != 0, created_at, updated_at, session_version};
  }
};

std::vector<User> query_users(soci::session& sql, const std::string& where,
                              std::vector<SqlParam> params) {
  std::vector<User> out;
  UserRow row;
  run_query(sql, std::string("SELECT ") + kUserColumns + " FROM users" + where, params, row,
            [&] { out.push_back(row.to_user()); });
  return out;
}

}  // namespace

// Reading one customer and the signed-in user happen on every API request;
// preparing their SQL each time cost more than running it (a third of an
// authenticated customer read). Each read session keeps the two statements
// prepared, bound to the buffers below. Only for SQLite: a statement there
// re-prepares itself after a schema change, and its session never reconnects.
struct SqlStore::HotStatements {
  explicit HotStatements(soci::session& sql) : customer(sql), user(sql) {
    customer_row.bind(customer);
    customer.exchange(soci::use(customer_key, "p1"));
    customer.alloc();
    customer.prepare(std::string("SELECT ") + kCustomerColumns + kCustomerFrom +
                     " WHERE external_id = :p1");
    customer.define_and_bind();
    user_row.bind(user);
    user.exchange(soci::use(user_key, "p1"));
    user.alloc();
    user.prepare(std::string("SELECT ") + kUserColumns + " FROM users WHERE id = :p1");
    user.define_and_bind();
  }
  soci::statement customer;
  std::string customer_key;
  CustomerRow customer_row;
  soci::statement user;
  long long user_key = 0;
  UserRow user_row;
};

// Steps a kept statement to its end when the lookup is done: a SQLite
// statement left on a row keeps its read transaction, and with it an old
// snapshot, open on the session until its next use.
struct RunToEnd {
  soci::statement& st;
  ~RunToEnd() {
    try {
      while (st.fetch()) {
      }
    } catch (...) {  // the next execute resets it anyway
    }
  }
};

SqlStore::SqlStore(SqlDialect dialect, std::unique_ptr<SessionPool> readers)
    : dialect_(dialect), readers_(std::move(readers)) {}

SqlStore::~SqlStore() = default;

SqlStore::HotStatements* SqlStore::hot_statements(soci::session& sql) {
  if (dialect_.kind() != Dialect::kSqlite) return nullptr;
  std::lock_guard lock(hot_mu_);
  auto& slot = hot_[&sql];
  if (!slot) slot = std::make_unique<HotStatements>(sql);
  return slot.get();
}

void SqlStore::ping() {
  try {
    auto sql = readers_->borrow();
    int one = 0;
    *sql << "SELECT 1", soci::into(one);
  } catch (...) {
    rethrow_as_store_error("checking the database");
  }
}

std::optional<core::DatasetSchema> SqlStore::current_schema() {
  try {
    auto sql = readers_->borrow();
    return read_current_schema(*sql);
  } catch (...) {
    rethrow_as_store_error("reading the dataset schema");
  }
}

SessionPool::Lease SqlStore::heavy_read_session() {
  if (replica_) {
    const auto now = std::chrono::steady_clock::now();
    bool try_replica;
    {
      std::lock_guard lock(replica_mu_);
      try_replica = now >= replica_retry_at_;
    }
    if (try_replica) {
      try {
        return replica_->borrow();
      } catch (const core::Error& e) {
        constexpr auto kReplicaRetry = std::chrono::seconds(30);
        spdlog::warn("read replica unreachable ({}); reading from the primary for the next {} s",
                     e.what(), kReplicaRetry.count());
        std::lock_guard lock(replica_mu_);
        replica_retry_at_ = now + kReplicaRetry;
      }
    }
  }
  return readers_->borrow();
}

CustomerPage SqlStore::list_customers(const CustomerQuery& q) {
  CustomerPage page;
  SqlParams where_params;
  std::string where = customer_where(q, dialect_, where_params);
  SqlParams params = where_params;
  std::string order = customer_order(q, dialect_, params);
  std::string limit = dialect_.limit_offset(q.limit, q.offset, params);
  try {
    auto sql = heavy_read_session();
    // One read transaction, so the total and the page see the same data.
    soci::transaction tx(*sql);
    long long total = 0;
    struct CountRow {
      long long* out;
      void bind(soci::statement& st) { st.exchange(soci::into(*out)); }
    } count_row{&total};
    run_query(*sql, std::string("SELECT COUNT(*)") + kCustomerFrom + where, where_params.values(),
              count_row,
              [] {});
    page.total = total;
    CustomerRow row;
    run_query(*sql,
              std::string("SELECT ") + kCustomerColumns + kCustomerFrom + where + order + limit,
              params.values(), row, [&] { page.items.push_back(row.to_customer()); });
    tx.commit();
  } catch (...) {
    rethrow_as_store_error("listing customers");
  }
  return page;
}

void SqlStore::for_each_customer(const CustomerQuery& q,
                                 const std::function<void(const core::Customer&)>& fn) {
  SqlParams params;
  std::string sql_text = std::string("SELECT ") + kCustomerColumns + kCustomerFrom;
  sql_text += customer_where(q, dialect_, params);
  sql_text += customer_order(q, dialect_, params);
  sql_text += dialect_.limit_offset(q.limit, q.offset, params);
  try {
    // A slow `fn` keeps one pooled read session (and its snapshot) for the walk.
    auto sql = heavy_read_session();
    soci::transaction tx(*sql);
    CustomerRow row;
    run_query(*sql, sql_text, params.values(), row, [&] { fn(row.to_customer()); });
    tx.commit();
  } catch (...) {
    rethrow_as_store_error("reading customers");
  }
}

std::optional<core::Customer> SqlStore::find_customer(std::string_view external_id) {
  std::optional<core::Customer> found;
  try {
    auto sql = readers_->borrow();
    if (auto* hot = hot_statements(*sql)) {
      hot->customer_key = external_id;
      RunToEnd done{hot->customer};
      if (hot->customer.execute(true)) found = hot->customer_row.to_customer();
      return found;
    }
    std::vector<SqlParam> params{std::string(external_id)};
    CustomerRow row;
    run_query(*sql,
              std::string("SELECT ") + kCustomerColumns + kCustomerFrom +
                  " WHERE external_id = :p1",
              params, row, [&] { found = row.to_customer(); });
  } catch (...) {
    rethrow_as_store_error("reading a customer");
  }
  return found;
}

std::int64_t SqlStore::count_customers() {
  try {
    auto sql = readers_->borrow();
    long long n = 0;
    *sql << "SELECT COUNT(*) FROM customers", soci::into(n);
    return n;
  } catch (...) {
    rethrow_as_store_error("counting customers");
  }
}

std::unique_ptr<CustomerWriter> SqlStore::begin_write(WriteMode mode) {
  std::unique_lock lock(write_mu_);
  return open_writer(mode, std::move(lock));
}

std::optional<User> SqlStore::find_user(std::string_view username) {
  try {
    auto sql = readers_->borrow();
    auto users = query_users(*sql, " WHERE username = :p1", {std::string(username)});
    if (users.empty()) return std::nullopt;
    return users.front();
  } catch (...) {
    rethrow_as_store_error("reading a user");
  }
}

std::optional<User> SqlStore::find_user_by_id(std::int64_t id) {
  try {
    auto sql = readers_->borrow();
    if (auto* hot = hot_statements(*sql)) {
      hot->user_key = id;
      RunToEnd done{hot->user};
      if (!hot->user.execute(true)) return std::nullopt;
      return hot->user_row.to_user();
    }
    auto users = query_users(*sql, " WHERE id = :p1", {static_cast<long long>(id)});
    if (users.empty()) return std::nullopt;
    return users.front();
  } catch (...) {
    rethrow_as_store_error("reading a user");
  }
}

std::vector<User> SqlStore::list_users() {
  try {
    auto sql = readers_->borrow();
    return query_users(*sql, " ORDER BY username", {});
  } catch (...) {
    rethrow_as_store_error("listing users");
  }
}

User SqlStore::create_user(const User& u) {
  User stored = u;
  stored.created_at = stored.updated_at = core::now_iso8601();
  int active = u.active ? 1 : 0;
  try {
    auto sql = readers_->borrow();
    long long id = 0;
    *sql << "INSERT INTO users (username, password_hash, role, active, created_at, updated_at)"
            " VALUES (:p1, :p2, :p3, :p4, :p5, :p6) RETURNING id",
        soci::use(stored.username), soci::use(stored.password_hash), soci::use(stored.role),
        soci::use(active), soci::use(stored.created_at), soci::use(stored.updated_at),
        soci::into(id);
    stored.id = id;
  } catch (...) {
    try {
      rethrow_as_store_error("creating a user");
    } catch (const core::Conflict&) {
      throw core::Conflict("username '" + u.username + "' is already taken",
                           {{"username", "already taken", std::nullopt, std::nullopt}});
    }
  }
  return stored;
}

User SqlStore::update_user(const User& u) {
  std::string now = core::now_iso8601();
  int active = u.active ? 1 : 0;
  long long id = u.id;
  long long changed = 0;
  try {
    auto sql = readers_->borrow();
    soci::statement st = (sql->prepare << "UPDATE users SET role = :p1, active = :p2,"
                                          " password_hash = :p3, updated_at = :p4 WHERE id = :p5",
                          soci::use(u.role), soci::use(active), soci::use(u.password_hash),
                          soci::use(now), soci::use(id));
    st.execute(true);
    changed = st.get_affected_rows();
  } catch (...) {
    rethrow_as_store_error("updating a user");
  }
  if (changed == 0) throw core::NotFound("no user with id " + std::to_string(u.id));
  auto stored = find_user_by_id(u.id);
  if (!stored) throw core::NotFound("no user with id " + std::to_string(u.id));
  return *stored;
}

std::int64_t SqlStore::bump_session_version(std::int64_t user_id) {
  long long id = user_id;
  long long version = 0;
  try {
    auto sql = readers_->borrow();
    soci::indicator ind = soci::i_null;
    *sql << "UPDATE users SET session_version = session_version + 1 WHERE id = :p1 RETURNING session_version",
        soci::use(id), soci::into(version, ind);
    if (!sql->got_data() || ind != soci::i_ok)
      throw core::NotFound("no user with id " + std::to_string(user_id));
  } catch (const core::NotFound&) {
    throw;
  } catch (...) {
    rethrow_as_store_error("ending a user's sessions");
  }
  return version;
}

std::optional<std::string> SqlStore::get_setting(std::string_view key) {
  try {
    auto sql = readers_->borrow();
    std::string k(key), value;
    *sql << "SELECT value FROM settings WHERE key = :p1", soci::use(k), soci::into(value);
    if (!sql->got_data()) return std::nullopt;
    return value;
  } catch (...) {
    rethrow_as_store_error("reading a setting");
  }
}

void SqlStore::put_setting(std::string_view key, std::string_view value) {
  try {
    auto sql = readers_->borrow();
    std::string k(key), v(value);
    *sql << "INSERT INTO settings (key, value) VALUES (:p1, :p2)" +
                dialect_.upsert_suffix("key", {"value"}),
        soci::use(k), soci::use(v);
  } catch (...) {
    rethrow_as_store_error("saving a setting");
  }
}

std::optional<core::DatasetSchema> read_current_schema(soci::session& sql) {
  int version = 0;
  std::string definition;
  soci::indicator ind = soci::i_null;
  sql << "SELECT version, definition FROM dataset_schema ORDER BY version DESC LIMIT 1", soci::into(version),
      soci::into(definition, ind);
  if (!sql.got_data()) return std::nullopt;
  auto schema = nlohmann::json::parse(definition).get<core::DatasetSchema>();
  schema.version = version;
  return schema;
}

core::DatasetSchema save_schema_version(soci::session& sql, core::DatasetSchema schema) {
  int next = 0;
  sql << "SELECT COALESCE(MAX(version), 0) + 1 FROM dataset_schema", soci::into(next);
  schema.version = next;
  std::string definition = nlohmann::json(schema).dump();
  std::string now = core::now_iso8601();
  sql << "INSERT INTO dataset_schema (version, definition, created_at) VALUES (:p1, :p2, :p3)",
      soci::use(next), soci::use(definition), soci::use(now);
  return schema;
}

}  // namespace churnwatch::storage
