// The Store over SOCI, shared by every SQL backend: reads go through a pool of
// sessions, small writes (users, settings, models) run on them, and customer
// imports and risk appends go through the backend's own bulk writers, one at
// a time. A backend supplies its sessions, its dialect and those writers.
// The model registry lives in sql_store_models.cpp, risk reads in
// sql_store_risk.cpp, refresh tokens and the audit log in
// sql_store_security.cpp, alert rules and the alert outbox in
// sql_store_alerts.cpp.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>

#include "storage/session_pool.hpp"
#include "storage/sql_dialect.hpp"
#include "storage/store.hpp"

namespace churnwatch::storage {

class SqlStore : public Store {
 public:
  SqlStore(SqlDialect dialect, std::unique_ptr<SessionPool> readers);
  ~SqlStore() override;

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
  std::int64_t bump_session_version(std::int64_t user_id) override;

  std::optional<std::string> get_setting(std::string_view key) override;
  void put_setting(std::string_view key, std::string_view value) override;

  ModelRecord create_model(const ModelRecord& m) override;
  ModelRegistration register_model(const ModelRecord& m,
                                   const std::function<std::string(std::int64_t)>& artifact_for) override;
  std::optional<ModelRecord> find_model(std::int64_t version) override;
  std::optional<ModelRecord> production_model() override;
  std::vector<ModelRecord> list_models() override;
  ModelRecord promote_model(std::int64_t version) override;

  void append_risk(std::vector<RiskRecord> records) final;
  std::vector<RiskRecord> risk_history(std::string_view customer_id,
                                       std::int64_t limit) override;
  std::optional<RiskRecord> current_risk(std::string_view customer_id) override;
  RiskSummary risk_summary(double high_threshold, std::int64_t limit, int days) override;
  OutcomeScores risk_outcome_scores(const OutcomeQuery& q) override;

  RefreshToken create_refresh_token(const RefreshToken& t) override;
  std::optional<RefreshToken> find_refresh_token(std::string_view token_hash) override;
  bool revoke_refresh_token(std::int64_t id) override;
  std::int64_t revoke_refresh_family(std::string_view family) override;
  std::int64_t revoke_user_refresh_tokens(std::int64_t user_id) override;

  void append_audit(const AuditEntry& e) override;
  AuditPage list_audit(const AuditQuery& q) override;

  AlertRule create_alert_rule(const AlertRule& r) override;
  AlertRule update_alert_rule(const AlertRule& r) override;
  bool delete_alert_rule(std::int64_t id) override;
  std::optional<AlertRule> find_alert_rule(std::int64_t id) override;
  std::vector<AlertRule> list_alert_rules() override;
  std::int64_t enqueue_alert_events(const std::vector<AlertEvent>& events) override;
  std::vector<AlertEvent> claim_alert_events(const std::string& now, const std::string& lease_until,
                                             std::int64_t limit) override;
  void finish_alert_events(const std::vector<std::int64_t>& ids, const std::string& state,
                           const std::string& error, const std::string& next_attempt_at,
                           bool count_attempt) override;
  AlertEventPage list_alert_events(const AlertEventQuery& q) override;
  std::vector<std::string> alerted_customers_since(std::int64_t rule_id,
                                                   const std::string& since) override;
  AlertStats alert_stats() override;

 protected:
  // Opens the backend's writer; it must keep `lock` until it is destroyed,
  // which is what makes writers take turns.
  virtual std::unique_ptr<CustomerWriter> open_writer(WriteMode mode,
                                                      std::unique_lock<std::mutex> lock) = 0;
  // Writes `records` as Store::append_risk promises, in one transaction. They
  // are already checked and carry scored_at; the write lock is held, so the
  // backend's write connection is free.
  virtual void write_risk(std::vector<RiskRecord>& records) = 0;
  const SqlDialect& dialect() const { return dialect_; }
  // Sends the heavy reads (customer lists and walks, risk summaries) to
  // `replica`, whose sessions open when first borrowed.
  void set_replica(std::unique_ptr<SessionPool> replica) { replica_ = std::move(replica); }

 private:
  // Prepared statements of the per-request lookups, kept per read session.
  struct HotStatements;
  // The session's kept statements, created on first use; nullptr when
  // statements are not kept for this backend (see sql_store.cpp).
  HotStatements* hot_statements(soci::session& sql);
  // A session for a heavy read: the replica's when one is set and
  // reachable, else the primary's. A replica that cannot be reached is left
  // alone for kReplicaRetry before it is tried again.
  SessionPool::Lease heavy_read_session();

  SqlDialect dialect_;
  std::unique_ptr<SessionPool> readers_;
  std::unique_ptr<SessionPool> replica_;
  std::mutex replica_mu_;
  std::chrono::steady_clock::time_point replica_retry_at_{};
  std::mutex write_mu_;
  std::mutex hot_mu_;
  std::map<const soci::session*, std::unique_ptr<HotStatements>> hot_;
};

// The latest stored schema on `sql`, or nullopt before the first one.
std::optional<core::DatasetSchema> read_current_schema(soci::session& sql);

// Saves `schema` as the next version on `sql` (inside the caller's
// transaction) and returns it with its version set.
core::DatasetSchema save_schema_version(soci::session& sql, core::DatasetSchema schema);

}  // namespace churnwatch::storage
