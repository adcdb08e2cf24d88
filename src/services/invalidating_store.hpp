// InvalidatingStore: a Store that bumps the cached reads' generation after
// every committed change they depend on: customer writes (create, update,
// delete, bulk, import, schema replace — all go through a CustomerWriter),
// risk appended (one customer or a scoring run) and model promotions and
// rollbacks. Every other call is passed through unchanged.
//
// Wrapping the store, rather than calling "invalidate" from each use case,
// means a change cannot skip invalidation whichever path makes it: an API
// route, a background job, the scheduler or a command-line run sharing Redis.
// The bump comes after the commit, so a reader that misses the new generation
// has read the generation before the change and stores its result under the
// old one, which nobody reads any more.
#pragma once

#include <memory>

#include "services/read_cache.hpp"
#include "storage/store.hpp"

namespace churnwatch::services {

class InvalidatingStore final : public storage::Store {
 public:
  // Both must outlive this.
  InvalidatingStore(storage::Store& inner, ReadCache& reads) : inner_(inner), reads_(reads) {}

  void ping() override { inner_.ping(); }
  std::optional<core::DatasetSchema> current_schema() override { return inner_.current_schema(); }
  storage::CustomerPage list_customers(const storage::CustomerQuery& q) override {
    return inner_.list_customers(q);
  }
  void for_each_customer(const storage::CustomerQuery& q,
                         const std::function<void(const core::Customer&)>& fn) override {
    inner_.for_each_customer(q, fn);
  }
  std::optional<core::Customer> find_customer(std::string_view id) override {
    return inner_.find_customer(id);
  }
  std::int64_t count_customers() override { return inner_.count_customers(); }
  std::unique_ptr<storage::CustomerWriter> begin_write(storage::WriteMode mode) override;

  std::optional<storage::User> find_user(std::string_view username) override {
    return inner_.find_user(username);
  }
  std::optional<storage::User> find_user_by_id(std::int64_t id) override {
    return inner_.find_user_by_id(id);
  }
  std::vector<storage::User> list_users() override { return inner_.list_users(); }
  storage::User create_user(const storage::User& u) override { return inner_.create_user(u); }
  storage::User update_user(const storage::User& u) override { return inner_.update_user(u); }
  std::int64_t bump_session_version(std::int64_t user_id) override {
    return inner_.bump_session_version(user_id);
  }

  std::optional<std::string> get_setting(std::string_view key) override { return inner_.get_setting(key); }
  void put_setting(std::string_view key, std::string_view value) override { inner_.put_setting(key, value); }

  storage::ModelRecord create_model(const storage::ModelRecord& m) override { return inner_.create_model(m); }
  storage::ModelRegistration register_model(
      const storage::ModelRecord& m, const std::function<std::string(std::int64_t)>& artifact_for) override {
    return inner_.register_model(m, artifact_for);
  }
  std::optional<storage::ModelRecord> find_model(std::int64_t version) override {
    return inner_.find_model(version);
  }
  std::optional<storage::ModelRecord> production_model() override { return inner_.production_model(); }
  std::vector<storage::ModelRecord> list_models() override { return inner_.list_models(); }
  storage::ModelRecord promote_model(std::int64_t version) override;

  void append_risk(std::vector<storage::RiskRecord> records) override;
  std::vector<storage::RiskRecord> risk_history(std::string_view customer_id, std::int64_t limit) override {
    return inner_.risk_history(customer_id, limit);
  }
  std::optional<storage::RiskRecord> current_risk(std::string_view customer_id) override {
    return inner_.current_risk(customer_id);
  }
  storage::RiskSummary risk_summary(double high_threshold, std::int64_t limit, int days) override {
    return inner_.risk_summary(high_threshold, limit, days);
  }
  storage::OutcomeScores risk_outcome_scores(const storage::OutcomeQuery& q) override {
    return inner_.risk_outcome_scores(q);
  }

  storage::RefreshToken create_refresh_token(const storage::RefreshToken& t) override {
    return inner_.create_refresh_token(t);
  }
  std::optional<storage::RefreshToken> find_refresh_token(std::string_view token_hash) override {
    return inner_.find_refresh_token(token_hash);
  }
  bool revoke_refresh_token(std::int64_t id) override { return inner_.revoke_refresh_token(id); }
  std::int64_t revoke_refresh_family(std::string_view family) override {
    return inner_.revoke_refresh_family(family);
  }
  std::int64_t revoke_user_refresh_tokens(std::int64_t user_id) override {
    return inner_.revoke_user_refresh_tokens(user_id);
  }

  void append_audit(const storage::AuditEntry& e) override { inner_.append_audit(e); }
  storage::AuditPage list_audit(const storage::AuditQuery& q) override { return inner_.list_audit(q); }

  // Alert rules and their outbox: none of the cached reads shows them.
  storage::AlertRule create_alert_rule(const storage::AlertRule& r) override {
    return inner_.create_alert_rule(r);
  }
  storage::AlertRule update_alert_rule(const storage::AlertRule& r) override {
    return inner_.update_alert_rule(r);
  }
  bool delete_alert_rule(std::int64_t id) override { return inner_.delete_alert_rule(id); }
  std::optional<storage::AlertRule> find_alert_rule(std::int64_t id) override {
    return inner_.find_alert_rule(id);
  }
  std::vector<storage::AlertRule> list_alert_rules() override { return inner_.list_alert_rules(); }
  std::int64_t enqueue_alert_events(const std::vector<storage::AlertEvent>& events) override {
    return inner_.enqueue_alert_events(events);
  }
  std::vector<storage::AlertEvent> claim_alert_events(const std::string& now, const std::string& lease_until,
                                                      std::int64_t limit) override {
    return inner_.claim_alert_events(now, lease_until, limit);
  }
  void finish_alert_events(const std::vector<std::int64_t>& ids, const std::string& state,
                           const std::string& error, const std::string& next_attempt_at,
                           bool count_attempt) override {
    inner_.finish_alert_events(ids, state, error, next_attempt_at, count_attempt);
  }
  storage::AlertEventPage list_alert_events(const storage::AlertEventQuery& q) override {
    return inner_.list_alert_events(q);
  }
  std::vector<std::string> alerted_customers_since(std::int64_t rule_id, const std::string& since) override {
    return inner_.alerted_customers_since(rule_id, since);
  }
  storage::AlertStats alert_stats() override { return inner_.alert_stats(); }

 private:
  storage::Store& inner_;
  ReadCache& reads_;
};

}  // namespace churnwatch::services
