// SqlStore: refresh tokens and the audit log.
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "storage/db_errors.hpp"
#include "storage/sql_query.hpp"
#include "storage/sql_store.hpp"

namespace churnwatch::storage {

namespace {

struct TokenRow {
  long long id = 0, user_id = 0;
  std::string family, token_hash, created_at, expires_at, revoked_at;
  soci::indicator revoked_ind = soci::i_null;

  void bind(soci::statement &st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(user_id));
    st.exchange(soci::into(family));
    st.exchange(soci::into(token_hash));
    st.exchange(soci::into(created_at));
    st.exchange(soci::into(expires_at));
    st.exchange(soci::into(revoked_at, revoked_ind));
  }
  RefreshToken to_token() const {
    return {id,
            user_id,
            family,
            token_hash,
            created_at,
            expires_at,
            revoked_ind == soci::i_ok ? revoked_at : std::string()};
  }
};

struct AuditRow {
  long long id = 0, actor_id = 0;
  std::string at, actor, action, target, address, details;

  void bind(soci::statement &st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(at));
    st.exchange(soci::into(actor_id));
    st.exchange(soci::into(actor));
    st.exchange(soci::into(action));
    st.exchange(soci::into(target));
    st.exchange(soci::into(address));
    st.exchange(soci::into(details));
  }
  AuditEntry to_entry() const {
    AuditEntry e;
    e.id = id;
    e.at = at;
    e.actor_id = actor_id;
    e.actor = actor;
    e.action = action;
    e.target = target;
    e.address = address;
    e.details = nlohmann::json::parse(details, nullptr, false);
    if (e.details.is_discarded()) e.details = nlohmann::json::object();
    return e;
  }
};

long long affected(soci::session &sql, const std::string &text, const std::string &a, const std::string &b) {
  soci::statement st = (sql.prepare << text, soci::use(a), soci::use(b));
  st.execute(true);
  return st.get_affected_rows();
}

}  // namespace

RefreshToken SqlStore::create_refresh_token(const RefreshToken &t) {
  RefreshToken stored = t;
  if (stored.created_at.empty()) stored.created_at = core::now_iso8601();
  stored.revoked_at.clear();
  long long user_id = t.user_id;
  try {
    auto sql = readers_->borrow();
    long long id = 0;
    *sql << "INSERT INTO refresh_tokens (user_id, family, token_hash, "
            "created_at, expires_at)"
            " VALUES (:p1, :p2, :p3, :p4, :p5) RETURNING id",
        soci::use(user_id), soci::use(stored.family), soci::use(stored.token_hash),
        soci::use(stored.created_at), soci::use(stored.expires_at), soci::into(id);
    stored.id = id;
  } catch (...) {
    rethrow_as_store_error("storing a refresh token");
  }
  return stored;
}

std::optional<RefreshToken> SqlStore::find_refresh_token(std::string_view token_hash) {
  try {
    auto sql = readers_->borrow();
    std::vector<SqlParam> params{std::string(token_hash)};
    TokenRow row;
    std::optional<RefreshToken> out;
    run_query(*sql,
              "SELECT id, user_id, family, token_hash, created_at, expires_at, "
              "revoked_at"
              " FROM refresh_tokens WHERE token_hash = :p1",
              params, row, [&] { out = row.to_token(); });
    return out;
  } catch (...) {
    rethrow_as_store_error("reading a refresh token");
  }
}

bool SqlStore::revoke_refresh_token(std::int64_t id) {
  try {
    auto sql = readers_->borrow();
    const std::string now = core::now_iso8601();
    long long key = id;
    soci::statement st = (sql->prepare << "UPDATE refresh_tokens SET revoked_at = :p1"
                                          " WHERE id = :p2 AND revoked_at IS NULL",
                          soci::use(now), soci::use(key));
    st.execute(true);
    return st.get_affected_rows() > 0;
  } catch (...) {
    rethrow_as_store_error("revoking a refresh token");
  }
}

std::int64_t SqlStore::revoke_refresh_family(std::string_view family) {
  try {
    auto sql = readers_->borrow();
    return affected(*sql,
                    "UPDATE refresh_tokens SET revoked_at = :p1 WHERE family = "
                    ":p2 AND revoked_at IS NULL",
                    core::now_iso8601(), std::string(family));
  } catch (...) {
    rethrow_as_store_error("revoking refresh tokens");
  }
}

std::int64_t SqlStore::revoke_user_refresh_tokens(std::int64_t user_id) {
  try {
    auto sql = readers_->borrow();
    const std::string now = core::now_iso8601();
    long long key = user_id;
    soci::statement st = (sql->prepare << "UPDATE refresh_tokens SET revoked_at = :p1"
                                          " WHERE user_id = :p2 AND revoked_at IS NULL",
                          soci::use(now), soci::use(key));
    st.execute(true);
    return st.get_affected_rows();
  } catch (...) {
    rethrow_as_store_error("revoking refresh tokens");
  }
}

void SqlStore::append_audit(const AuditEntry &e) {
  std::string at = e.at.empty() ? core::now_iso8601() : e.at;
  std::string details = e.details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  long long actor_id = e.actor_id;
  try {
    auto sql = readers_->borrow();
    *sql << "INSERT INTO audit_log (at, actor_id, actor, action, target, "
            "address, details)"
            " VALUES (:p1, :p2, :p3, :p4, :p5, :p6, :p7)",
        soci::use(at), soci::use(actor_id), soci::use(e.actor), soci::use(e.action), soci::use(e.target),
        soci::use(e.address), soci::use(details);
  } catch (...) {
    rethrow_as_store_error("writing the audit log");
  }
}

AuditPage SqlStore::list_audit(const AuditQuery &q) {
  SqlParams params;
  std::string where = " WHERE 1 = 1";
  if (!q.actor.empty()) where += " AND actor = " + params.add(q.actor);
  if (!q.action.empty()) {
    if (q.action.back() == '.')
      where += " AND action LIKE " + params.add(like_contains_pattern(q.action).substr(1)) + " ESCAPE '\\'";
    else
      where += " AND action = " + params.add(q.action);
  }
  if (!q.since.empty()) where += " AND at >= " + params.add(q.since);
  if (!q.until.empty()) where += " AND at < " + params.add(q.until);
  AuditPage page;
  try {
    auto sql = readers_->borrow();
    {
      auto count_params = params.values();
      struct CountRow {
        long long n = 0;
        void bind(soci::statement &st) { st.exchange(soci::into(n)); }
      } count;
      run_query(*sql, "SELECT COUNT(*) FROM audit_log" + where, count_params, count,
                [&] { page.total = count.n; });
    }
    const std::string tail = " ORDER BY at DESC, id DESC" + dialect_.limit_offset(q.limit, q.offset, params);
    AuditRow row;
    run_query(*sql,
              "SELECT id, at, actor_id, actor, action, target, address, "
              "details FROM audit_log" +
                  where + tail,
              params.values(), row, [&] { page.items.push_back(row.to_entry()); });
  } catch (...) {
    rethrow_as_store_error("reading the audit log");
  }
  return page;
}

}  // namespace churnwatch::storage
