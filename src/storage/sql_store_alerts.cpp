// SqlStore: alert rules and the alert outbox.
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "storage/db_errors.hpp"
#include "storage/sql_query.hpp"
#include "storage/sql_store.hpp"

namespace churnwatch::storage {

namespace {

const char *const kRuleColumns =
    "id, name, kind, enabled, params, customer_filter, webhook_sealed, "
    "webhook_masked,"
    " cooldown_seconds, min_severity, created_by, created_at, updated_at";

nlohmann::json parse_object(const std::string &text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  return j.is_discarded() ? nlohmann::json::object() : j;
}

struct RuleRow {
  long long id = 0, cooldown = 0;
  int enabled = 1;
  std::string name, kind, params, filter, sealed, masked, min_severity,
      created_by, created_at, updated_at;

  void bind(soci::statement &st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(name));
    st.exchange(soci::into(kind));
    st.exchange(soci::into(enabled));
    st.exchange(soci::into(params));
    st.exchange(soci::into(filter));
    st.exchange(soci::into(sealed));
    st.exchange(soci::into(masked));
    st.exchange(soci::into(cooldown));
    st.exchange(soci::into(min_severity));
    st.exchange(soci::into(created_by));
    st.exchange(soci::into(created_at));
    st.exchange(soci::into(updated_at));
  }
  AlertRule to_rule() const {
    AlertRule r;
    r.id = id;
    r.name = name;
    r.kind = kind;
    r.enabled = enabled != 0;
    r.params = parse_object(params);
    r.customer_filter = parse_object(filter);
    r.webhook_sealed = sealed;
    r.webhook_masked = masked;
    r.cooldown_seconds = cooldown;
    r.min_severity = min_severity;
    r.created_by = created_by;
    r.created_at = created_at;
    r.updated_at = updated_at;
    return r;
  }
};

const char *const kEventColumns =
    "id, rule_id, customer_id, kind, severity, dedup_key, payload, state, "
    "attempts,"
    " next_attempt_at, error, run_id, created_at, delivered_at";

struct EventRow {
  long long id = 0, rule_id = 0;
  int attempts = 0;
  std::string customer_id, kind, severity, dedup_key, payload, state,
      next_attempt_at, error, run_id, created_at, delivered_at;
  soci::indicator delivered_ind = soci::i_null;

  void bind(soci::statement &st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(rule_id));
    st.exchange(soci::into(customer_id));
    st.exchange(soci::into(kind));
    st.exchange(soci::into(severity));
    st.exchange(soci::into(dedup_key));
    st.exchange(soci::into(payload));
    st.exchange(soci::into(state));
    st.exchange(soci::into(attempts));
    st.exchange(soci::into(next_attempt_at));
    st.exchange(soci::into(error));
    st.exchange(soci::into(run_id));
    st.exchange(soci::into(created_at));
    st.exchange(soci::into(delivered_at, delivered_ind));
  }
  AlertEvent to_event() const {
    AlertEvent e;
    e.id = id;
    e.rule_id = rule_id;
    e.customer_id = customer_id;
    e.kind = kind;
    e.severity = severity;
    e.dedup_key = dedup_key;
    e.payload = parse_object(payload);
    e.state = state;
    e.attempts = attempts;
    e.next_attempt_at = next_attempt_at;
    e.error = error;
    e.run_id = run_id;
    e.created_at = created_at;
    if (delivered_ind == soci::i_ok)
      e.delivered_at = delivered_at;
    return e;
  }
};

std::vector<AlertRule> query_rules(soci::session &sql, const std::string &rest,
                                   std::vector<SqlParam> params) {
  std::vector<AlertRule> out;
  RuleRow row;
  run_query(sql,
            std::string("SELECT ") + kRuleColumns + " FROM alert_rules" + rest,
            params, row, [&] { out.push_back(row.to_rule()); });
  return out;
}

std::vector<AlertEvent> query_events(soci::session &sql,
                                     const std::string &rest,
                                     std::vector<SqlParam> params) {
  std::vector<AlertEvent> out;
  EventRow row;
  run_query(
      sql, std::string("SELECT ") + kEventColumns + " FROM alert_events" + rest,
      params, row, [&] { out.push_back(row.to_event()); });
  return out;
}

struct CountRow {
  long long n = 0;
  void bind(soci::statement &st) { st.exchange(soci::into(n)); }
};

void check_state(const std::string &state) {
  if (state != "pending" && state != "delivered" && state != "failed")
    throw core::Invalid("an alert event ends an attempt as pending, delivered "
                        "or failed, not '" +
                        state + "'");
}

} // namespace

AlertRule SqlStore::create_alert_rule(const AlertRule &r) {
  AlertRule stored = r;
  stored.created_at = stored.updated_at = core::now_iso8601();
  std::string params = r.params.dump(), filter = r.customer_filter.dump();
  int enabled = r.enabled ? 1 : 0;
  long long cooldown = r.cooldown_seconds;
  try {
    auto sql = readers_->borrow();
    long long id = 0;
    *sql << "INSERT INTO alert_rules (name, kind, enabled, params, "
            "customer_filter,"
            " webhook_sealed, webhook_masked, cooldown_seconds, min_severity, "
            "created_by,"
            " created_at, updated_at)"
            " VALUES (:p1, :p2, :p3, :p4, :p5, :p6, :p7, :p8, :p9, :p10, :p11, "
            ":p12) RETURNING id",
        soci::use(stored.name), soci::use(stored.kind), soci::use(enabled),
        soci::use(params), soci::use(filter), soci::use(stored.webhook_sealed),
        soci::use(stored.webhook_masked), soci::use(cooldown),
        soci::use(stored.min_severity), soci::use(stored.created_by),
        soci::use(stored.created_at), soci::use(stored.updated_at),
        soci::into(id);
    stored.id = id;
  } catch (const core::Error &) {
    throw;
  } catch (...) {
    try {
      rethrow_as_store_error("storing an alert rule");
    } catch (const core::Conflict &) {
      throw core::Conflict("an alert rule named '" + r.name +
                           "' already exists");
    }
  }
  return stored;
}

AlertRule SqlStore::update_alert_rule(const AlertRule &r) {
  std::string now = core::now_iso8601();
  std::string params = r.params.dump(), filter = r.customer_filter.dump();
  int enabled = r.enabled ? 1 : 0;
  long long cooldown = r.cooldown_seconds, id = r.id;
  long long changed = 0;
  try {
    auto sql = readers_->borrow();
    soci::statement st =
        (sql->prepare
             << "UPDATE alert_rules SET name = :p1, kind = :p2, enabled = :p3,"
                " params = :p4, customer_filter = :p5, webhook_sealed = :p6,"
                " webhook_masked = :p7, cooldown_seconds = :p8, min_severity = "
                ":p9,"
                " updated_at = :p10 WHERE id = :p11",
         soci::use(r.name), soci::use(r.kind), soci::use(enabled),
         soci::use(params), soci::use(filter), soci::use(r.webhook_sealed),
         soci::use(r.webhook_masked), soci::use(cooldown),
         soci::use(r.min_severity), soci::use(now), soci::use(id));
    st.execute(true);
    changed = st.get_affected_rows();
  } catch (const core::Error &) {
    throw;
  } catch (...) {
    try {
      rethrow_as_store_error("updating an alert rule");
    } catch (const core::Conflict &) {
      throw core::Conflict("an alert rule named '" + r.name +
                           "' already exists");
    }
  }
  if (changed == 0)
    throw core::NotFound("no alert rule " + std::to_string(r.id));
  return *find_alert_rule(r.id);
}

bool SqlStore::delete_alert_rule(std::int64_t id) {
  long long key = id;
  try {
    auto sql = readers_->borrow();
    // Explicitly, not only by ON DELETE CASCADE: a backend may run without
    // foreign-key enforcement.
    return in_write_transaction(*sql, dialect_, [&](soci::session &s) {
      s << "DELETE FROM alert_events WHERE rule_id = :p1", soci::use(key);
      soci::statement st =
          (s.prepare << "DELETE FROM alert_rules WHERE id = :p1",
           soci::use(key));
      st.execute(true);
      return st.get_affected_rows() > 0;
    });
  } catch (...) {
    rethrow_as_store_error("deleting an alert rule");
  }
}

std::optional<AlertRule> SqlStore::find_alert_rule(std::int64_t id) {
  try {
    auto sql = readers_->borrow();
    auto rules =
        query_rules(*sql, " WHERE id = :p1", {static_cast<long long>(id)});
    if (rules.empty())
      return std::nullopt;
    return std::move(rules.front());
  } catch (...) {
    rethrow_as_store_error("reading an alert rule");
  }
}

std::vector<AlertRule> SqlStore::list_alert_rules() {
  try {
    auto sql = readers_->borrow();
    return query_rules(*sql, " ORDER BY id", {});
  } catch (...) {
    rethrow_as_store_error("reading alert rules");
  }
}

std::int64_t
SqlStore::enqueue_alert_events(const std::vector<AlertEvent> &events) {
  if (events.empty())
    return 0;
  const std::string now = core::now_iso8601();
  try {
    auto sql = readers_->borrow();
    return in_write_transaction(*sql, dialect_, [&](soci::session &s) {
      std::int64_t added = 0;
      for (const AlertEvent &e : events) {
        long long rule_id = e.rule_id;
        std::string payload = e.payload.dump(
            -1, ' ', false, nlohmann::json::error_handler_t::replace);
        std::string created = e.created_at.empty() ? now : e.created_at;
        std::string next =
            e.next_attempt_at.empty() ? created : e.next_attempt_at;
        std::string state = "pending";
        soci::statement st =
            (s.prepare << "INSERT INTO alert_events (rule_id, customer_id, "
                          "kind, severity,"
                          " dedup_key, payload, state, attempts, "
                          "next_attempt_at, error, run_id,"
                          " created_at) VALUES (:p1, :p2, :p3, :p4, :p5, :p6, "
                          ":p7, 0, :p8, '',"
                          " :p9, :p10) ON CONFLICT (dedup_key) DO NOTHING",
             soci::use(rule_id), soci::use(e.customer_id), soci::use(e.kind),
             soci::use(e.severity), soci::use(e.dedup_key), soci::use(payload),
             soci::use(state), soci::use(next), soci::use(e.run_id),
             soci::use(created));
        st.execute(true);
        added += st.get_affected_rows();
      }
      return added;
    });
  } catch (...) {
    rethrow_as_store_error("queuing alert events");
  }
}

std::vector<AlertEvent>
SqlStore::claim_alert_events(const std::string &now,
                             const std::string &lease_until,
                             std::int64_t limit) {
  try {
    auto sql = readers_->borrow();
    return in_write_transaction(*sql, dialect_, [&](soci::session &s) {
      SqlParams params;
      const std::string due = params.add(now);
      std::string rest =
          " WHERE state IN ('pending', 'sending') AND next_attempt_at <= " +
          due + " ORDER BY next_attempt_at, id" +
          dialect_.limit_offset(limit, 0, params);
      auto events = query_events(s, rest, params.values());
      std::vector<AlertEvent> claimed;
      for (AlertEvent &e : events) {
        long long id = e.id;
        std::string sending = "sending";
        // Guarded by the state seen: under PostgreSQL's read committed a
        // concurrent claimer may have taken the event since the SELECT.
        soci::statement st =
            (s.prepare
                 << "UPDATE alert_events SET state = :p1, next_attempt_at = :p2"
                    " WHERE id = :p3 AND state = :p4 AND next_attempt_at = :p5",
             soci::use(sending), soci::use(lease_until), soci::use(id),
             soci::use(e.state), soci::use(e.next_attempt_at));
        st.execute(true);
        if (st.get_affected_rows() == 0)
          continue;
        e.state = sending;
        e.next_attempt_at = lease_until;
        claimed.push_back(std::move(e));
      }
      return claimed;
    });
  } catch (...) {
    rethrow_as_store_error("claiming alert events");
  }
}

void SqlStore::finish_alert_events(const std::vector<std::int64_t> &ids,
                                   const std::string &state,
                                   const std::string &error,
                                   const std::string &next_attempt_at,
                                   bool count_attempt) {
  check_state(state);
  if (ids.empty())
    return;
  const std::string now = core::now_iso8601();
  const std::string next = next_attempt_at.empty() ? now : next_attempt_at;
  const std::string err = state == "delivered" ? std::string() : error;
  int step = count_attempt ? 1 : 0;
  try {
    auto sql = readers_->borrow();
    in_write_transaction(*sql, dialect_, [&](soci::session &s) {
      for (std::int64_t raw : ids) {
        long long id = raw;
        soci::indicator delivered_ind =
            state == "delivered" ? soci::i_ok : soci::i_null;
        std::string delivered = now;
        s << "UPDATE alert_events SET state = :p1, attempts = attempts + :p2, "
             "error = :p3,"
             " next_attempt_at = :p4, delivered_at = :p5 WHERE id = :p6",
            soci::use(state), soci::use(step), soci::use(err), soci::use(next),
            soci::use(delivered, delivered_ind), soci::use(id);
      }
    });
  } catch (...) {
    rethrow_as_store_error("recording alert deliveries");
  }
}

AlertEventPage SqlStore::list_alert_events(const AlertEventQuery &q) {
  SqlParams params;
  std::string where = " WHERE 1 = 1";
  if (q.rule_id)
    where += " AND rule_id = " + params.add(static_cast<long long>(*q.rule_id));
  if (!q.customer_id.empty())
    where += " AND customer_id = " + params.add(q.customer_id);
  if (!q.state.empty())
    where += " AND state = " + params.add(q.state);
  if (!q.since.empty())
    where += " AND created_at >= " + params.add(q.since);
  if (!q.until.empty())
    where += " AND created_at < " + params.add(q.until);
  AlertEventPage page;
  try {
    auto sql = readers_->borrow();
    auto count_params = params.values();
    CountRow count;
    run_query(*sql, "SELECT COUNT(*) FROM alert_events" + where, count_params,
              count, [&] { page.total = count.n; });
    // The page's placeholders are added before the values are taken.
    const std::string rest = where + " ORDER BY created_at DESC, id DESC" +
                             dialect_.limit_offset(q.limit, q.offset, params);
    page.items = query_events(*sql, rest, params.values());
  } catch (...) {
    rethrow_as_store_error("reading alert events");
  }
  return page;
}

std::vector<std::string>
SqlStore::alerted_customers_since(std::int64_t rule_id,
                                  const std::string &since) {
  std::vector<std::string> out;
  try {
    auto sql = readers_->borrow();
    std::vector<SqlParam> params{static_cast<long long>(rule_id), since};
    struct Row {
      std::string id;
      void bind(soci::statement &st) { st.exchange(soci::into(id)); }
    } row;
    run_query(
        *sql,
        "SELECT DISTINCT customer_id FROM alert_events WHERE rule_id = :p1 AND"
        " kind IN ('customer', 'rule') AND created_at >= :p2",
        params, row, [&] { out.push_back(row.id); });
  } catch (...) {
    rethrow_as_store_error("reading alert cooldowns");
  }
  return out;
}

AlertStats SqlStore::alert_stats() {
  AlertStats stats;
  for (const char *state : {"pending", "sending", "delivered", "failed"})
    stats.by_state[state] = 0;
  for (const char *severity : {"info", "warning", "critical"})
    stats.by_severity[severity] = 0;
  try {
    auto sql = readers_->borrow();
    struct KeyCount {
      std::string key;
      long long n = 0;
      void bind(soci::statement &st) {
        st.exchange(soci::into(key));
        st.exchange(soci::into(n));
      }
    } kc;
    std::vector<SqlParam> none;
    run_query(*sql, "SELECT state, COUNT(*) FROM alert_events GROUP BY state",
              none, kc, [&] { stats.by_state[kc.key] = kc.n; });
    run_query(*sql,
              "SELECT severity, COUNT(*) FROM alert_events GROUP BY severity",
              none, kc, [&] { stats.by_severity[kc.key] = kc.n; });
    struct IdCount {
      long long id = 0, n = 0;
      void bind(soci::statement &st) {
        st.exchange(soci::into(id));
        st.exchange(soci::into(n));
      }
    } ic;
    run_query(*sql,
              "SELECT rule_id, COUNT(*) FROM alert_events GROUP BY rule_id",
              none, ic, [&] { stats.by_rule[ic.id] = ic.n; });
    struct Text {
      std::string v;
      soci::indicator ind = soci::i_null;
      void bind(soci::statement &st) { st.exchange(soci::into(v, ind)); }
    } t;
    run_query(*sql, "SELECT MAX(delivered_at) FROM alert_events", none, t, [&] {
      if (t.ind == soci::i_ok)
        stats.last_delivered_at = t.v;
    });
    std::vector<SqlParam> one{1LL};
    t.ind = soci::i_null;
    run_query(*sql,
              "SELECT error FROM alert_events WHERE state = 'failed'"
              " ORDER BY next_attempt_at DESC, id DESC LIMIT :p1",
              one, t, [&] {
                if (t.ind == soci::i_ok)
                  stats.last_failed_error = t.v;
              });
  } catch (...) {
    rethrow_as_store_error("reading alert statistics");
  }
  return stats;
}

} // namespace churnwatch::storage
