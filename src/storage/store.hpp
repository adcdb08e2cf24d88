// The Store: everything churnwatch persists, behind one small interface. The
// embedded default is SQLite (sqlite_store.*); PostgreSQL implements the same
// interface and passes the same conformance suite (tests/storage/).
//
// Thread safety: every method may be called from any thread. Writes go
// through a CustomerWriter, one open at a time per store (others wait).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
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

// Conditions on a customer's current risk score (see Store::append_risk).
// They live apart from `filters` so that a dataset attribute that happens to
// be called "risk" or "risk_level" still filters by its own JSON value when
// passed as a Filter. Any set condition excludes customers never scored.
struct RiskFilter {
  std::optional<double> min_probability;  // probability >= min
  std::optional<double> max_probability;  // probability < max
  std::vector<std::string> risk_levels;   // level is one of these; empty: any level

  bool active() const { return min_probability || max_probability || !risk_levels.empty(); }
};

// The reserved CustomerQuery::sort_by value that sorts by current risk
// probability (customers never scored last in either direction). A dataset
// attribute with this name cannot be used as a sort key.
inline constexpr std::string_view kSortByRisk = "risk";

// Which customers by lifecycle: active (label stayed or unknown), departed
// (label churned), or both.
enum class StatusFilter { kAny, kActive, kDeparted };

struct CustomerQuery {
  std::vector<Filter> filters;        // all must hold
  RiskFilter risk;                    // must hold as well
  StatusFilter status = StatusFilter::kAny;
  std::string search;                 // case-insensitive substring of id or display name
  std::string sort_by;                // attribute name, or kSortByRisk; empty: by external id
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
  // Carried in every access token issued to the user; bumping it ends every
  // token issued before (sign-out, password change or reset, deactivation).
  std::int64_t session_version = 0;
};

// One refresh token. The token itself is never stored, only its SHA-256.
// Every rotation of one sign-in shares the family, so a replayed (already
// rotated) token can revoke the whole chain.
struct RefreshToken {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string family;      // random id of the sign-in it descends from
  std::string token_hash;  // lower-case hex SHA-256 of the token
  std::string created_at;  // ISO 8601 UTC; set by the store when empty
  std::string expires_at;  // ISO 8601 UTC
  std::string revoked_at;  // "" while usable
};

// Who did what, when, from where.
struct AuditEntry {
  std::int64_t id = 0;
  std::string at;                // ISO 8601 UTC; set by the store when empty
  std::int64_t actor_id = 0;     // 0: nobody signed in (a failed sign-in) or the system
  std::string actor;             // username as known or as typed
  std::string action;            // dotted verb: "auth.login", "user.update", "customers.import", ...
  std::string target;            // what was acted on ("user:3", "model:7"); may be ""
  std::string address;           // client IP; "" for the CLI
  nlohmann::json details = nlohmann::json::object();
};

struct AuditQuery {
  std::string actor;   // exact username; "" any
  std::string action;  // exact action, or a prefix ending in '.' ("user." matches all user actions)
  std::string since;   // ISO 8601: at >= since; "" unbounded
  std::string until;   // ISO 8601: at < until; "" unbounded
  std::int64_t limit = 50;
  std::int64_t offset = 0;
};

struct AuditPage {
  std::vector<AuditEntry> items;  // newest first
  std::int64_t total = 0;         // matching entries, ignoring limit/offset
};

// A model version in the registry.
struct ModelRecord {
  std::int64_t version = 0;        // assigned by the store: 1, 2, ...
  std::string algorithm;           // gbdt | random_forest | logistic
  std::string stage = "candidate"; // candidate | production | archived
  int schema_version = 0;
  std::string artifact;            // bundle folder (relative to the data dir) or URI
  std::string training_data_hash;
  nlohmann::json params = nlohmann::json::object();
  nlohmann::json metrics = nlohmann::json::object();  // {"test": {...}, "validation": {...}}
  nlohmann::json details = nlohmann::json::object();  // curves, importance, search, history
  std::string created_at;
  std::string promoted_at;         // "" when never production
  // What produced the version ("job:<id>" for a training job); "" when
  // nothing needs to recognise it again. At most one version per source.
  std::string source;
};

// What register_model did: the version, and whether this call created it.
struct ModelRegistration {
  ModelRecord model;
  bool created = false;
};

// One scoring of one customer: a row of its risk history.
struct RiskRecord {
  std::string customer_id;          // external id
  std::int64_t model_version = 0;
  double probability = 0;           // in [0, 1]
  std::string risk_level;
  nlohmann::json reasons = nlohmann::json::array();
  std::optional<double> previous_probability;  // the customer's latest before this one
  std::optional<double> change;                // probability - previous (absolute)
  std::optional<double> relative_change;       // change / previous, when previous > 0
  std::string scored_at;            // ISO 8601 UTC; set by the store when empty
  // The scoring run that wrote it (a batch scoring, or one customer's
  // scoring); "" when none. Outcome reports compare departed customers with
  // the active customers of the same runs.
  std::string run_id;
};

// The risk summary covers active customers only: a departed customer's last
// score is its prediction of record, not a risk anyone can act on.
struct RiskSummary {
  std::int64_t active_customers = 0;  // every active customer, scored or not
  std::int64_t departed_customers = 0;
  std::int64_t scored = 0;  // active customers with a current score
  // level -> customers, from the lowest-risk level up (by the level's lowest probability)
  std::vector<std::pair<std::string, std::int64_t>> by_level;
  double average_probability = 0;                       // over current scores; 0 when none
  std::vector<RiskRecord> highest;            // current scores >= the threshold, highest first
  std::vector<RiskRecord> biggest_increases;  // current scores with change > 0, by change desc
  // Per UTC day over the last `days` (today included), oldest first: average
  // probability and number of the scores written that day (of customers
  // active now); days without any are absent.
  std::vector<std::tuple<std::string, double, std::int64_t>> daily;  // date, avg, count
};

// Which departures an outcome report covers.
struct OutcomeQuery {
  std::string since;                          // ISO 8601: departure known at or after; "" unbounded
  std::string until;                          // ISO 8601: departure known before; "" unbounded
  std::optional<std::int64_t> model_version;  // only scores of this version
  double flag_threshold = 0.5;                // a score at or above it flags the customer
};

// One departed customer as an outcome report sees it.
struct DepartureOutcome {
  std::string customer_id;         // external id
  std::string departed_at;         // when the customer left
  std::string departure_known_at;  // when the store first saw the churned label
  // The prediction of record: the last score made before the departure
  // (before departed_at and before departure_known_at).
  RiskRecord prediction;
  std::string first_flagged_at;  // the first such score >= flag_threshold; "" when none
};

// The scores an outcome report compares: departed customers with a
// prediction of record, against the active customers scored in the same
// scoring runs (their latest and highest score in those runs).
struct OutcomeScores {
  std::vector<DepartureOutcome> departed;  // by departure_known_at
  std::vector<double> active_latest;
  std::vector<double> active_highest;  // index-parallel to active_latest
};

// An alert rule (see services/alert_rules.hpp for what each kind means).
struct AlertRule {
  std::int64_t id = 0;
  std::string name;  // unique
  std::string kind;  // high_risk | risk_increase | level_up | model_degradation | data_drift | job_failures
  bool enabled = true;
  nlohmann::json params = nlohmann::json::object();           // the kind's settings (threshold, ...)
  nlohmann::json customer_filter = nlohmann::json::object();  // {"Geography": "France", "Age[gte]": "40"}
  std::string webhook_sealed;  // the webhook URL sealed by services::SecretBox
  std::string webhook_masked;  // the same URL with its token masked, for display
  std::int64_t cooldown_seconds = 0;  // per customer: no second alert of this rule sooner
  std::string min_severity = "info";  // info | warning | critical
  std::string created_by;
  std::string created_at;  // set by the store
  std::string updated_at;  // set by the store
};

// One alert waiting in, or done with, the delivery outbox.
struct AlertEvent {
  std::int64_t id = 0;
  std::int64_t rule_id = 0;
  std::string customer_id;  // external id; "" for alerts about no single customer
  std::string kind;         // "customer", "rule" (model, drift, jobs), "summary" or "test"
  std::string severity = "warning";
  // Unique: enqueuing an event whose key is already stored does nothing, so a
  // retried monitor job cannot queue (and post) the same alert twice.
  std::string dedup_key;
  nlohmann::json payload = nlohmann::json::object();  // what the message shows
  std::string state = "pending";  // pending | sending | delivered | failed
  int attempts = 0;
  std::string next_attempt_at;  // ISO 8601 UTC; pending: not before; sending: lease end
  std::string error;            // the last failure's reason; "" when none
  std::string run_id;           // the monitor job that raised it; "" when none
  std::string created_at;       // set by the store when empty
  std::string delivered_at;     // "" until delivered
};

struct AlertEventQuery {
  std::optional<std::int64_t> rule_id;
  std::string customer_id;  // exact; "" any
  std::string state;        // exact; "" any
  std::string since;        // created_at >= since; "" unbounded
  std::string until;        // created_at < until; "" unbounded
  std::int64_t limit = 50;
  std::int64_t offset = 0;
};

struct AlertEventPage {
  std::vector<AlertEvent> items;  // newest first
  std::int64_t total = 0;
};

struct AlertStats {
  std::map<std::string, std::int64_t> by_state;     // every state, 0 when none
  std::map<std::int64_t, std::int64_t> by_rule;     // rule id -> events
  std::map<std::string, std::int64_t> by_severity;  // info/warning/critical -> events
  std::string last_delivered_at;                    // "" when none
  std::string last_failed_error;                    // the newest failed event's reason
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
  // Updates role, active, password_hash of the user with u.id (never
  // session_version); NotFound if none.
  virtual User update_user(const User& u) = 0;
  // Adds one to the user's session_version in one statement (so concurrent
  // changes never lose a bump) and returns the new value; NotFound if none.
  virtual std::int64_t bump_session_version(std::int64_t user_id) = 0;

  // --- settings (small key/value pairs the product keeps) -----------------
  virtual std::optional<std::string> get_setting(std::string_view key) = 0;
  virtual void put_setting(std::string_view key, std::string_view value) = 0;

  // --- model registry -----------------------------------------------------
  // Stores a new version (assigns version and created_at; keeps `stage`, but
  // "production" only through promote_model) and returns it.
  virtual ModelRecord create_model(const ModelRecord& m) = 0;
  // Like create_model, in one transaction: when m.source is set and a version
  // with that source exists, returns it unchanged (created = false), so a
  // retried training job registers its model once; otherwise stores a new
  // version whose artifact is `artifact_for(version)` (empty function:
  // m.artifact), so the row never names a folder of another version.
  virtual ModelRegistration register_model(const ModelRecord& m,
                                           const std::function<std::string(std::int64_t version)>& artifact_for) = 0;
  virtual std::optional<ModelRecord> find_model(std::int64_t version) = 0;
  // The one version whose stage is production, if any.
  virtual std::optional<ModelRecord> production_model() = 0;
  // Newest first.
  virtual std::vector<ModelRecord> list_models() = 0;
  // Makes `version` production and the previous production archived, in one
  // transaction (sets promoted_at; promoting the production version changes
  // nothing). NotFound when no such version.
  virtual ModelRecord promote_model(std::int64_t version) = 0;

  // --- risk history -------------------------------------------------------
  // Appends one history row per record and updates each customer's current
  // risk, in one transaction that takes turns with CustomerWriters; fills
  // previous_probability / change / relative_change from the customer's
  // current risk before the record (a customer twice in one call sees its
  // earlier record). Records whose customer does not exist or has departed
  // are skipped (a departed customer is never scored again).
  // Invalid (nothing written) when a probability is outside [0, 1]. Handles
  // tens of thousands of records per call in well under a second.
  virtual void append_risk(std::vector<RiskRecord> records) = 0;
  // Newest first, at most `limit` (<= 0: all); empty for an unknown customer.
  virtual std::vector<RiskRecord> risk_history(std::string_view customer_id,
                                               std::int64_t limit) = 0;
  // The customer's latest record, or nullopt when never scored or unknown.
  virtual std::optional<RiskRecord> current_risk(std::string_view customer_id) = 0;
  // Counts and extremes of the current scores; `highest` and
  // `biggest_increases` hold at most `limit` records each, `daily` covers the
  // last `days` days of history.
  virtual RiskSummary risk_summary(double high_threshold, std::int64_t limit, int days) = 0;
  // The departed customers whose departure became known in the window and
  // who were scored before it, and the active customers of the same runs.
  virtual OutcomeScores risk_outcome_scores(const OutcomeQuery& q) = 0;

  // --- refresh tokens -----------------------------------------------------
  // Stores `t` (id and created_at assigned) and returns it. Conflict when the
  // hash is already stored.
  virtual RefreshToken create_refresh_token(const RefreshToken& t) = 0;
  virtual std::optional<RefreshToken> find_refresh_token(std::string_view token_hash) = 0;
  // Marks one token revoked. True only for the call that revoked it, so of
  // two concurrent rotations of the same token exactly one wins.
  virtual bool revoke_refresh_token(std::int64_t id) = 0;
  // Revokes every unrevoked token of the family / of the user; returns how many.
  virtual std::int64_t revoke_refresh_family(std::string_view family) = 0;
  virtual std::int64_t revoke_user_refresh_tokens(std::int64_t user_id) = 0;

  // --- audit log ----------------------------------------------------------
  virtual void append_audit(const AuditEntry& e) = 0;
  virtual AuditPage list_audit(const AuditQuery& q) = 0;

  // --- alert rules -----------------------------------------------------------
  // Stores a new rule (id, created_at, updated_at assigned). Conflict when
  // the name is taken.
  virtual AlertRule create_alert_rule(const AlertRule& r) = 0;
  // Replaces every field but id/created_by/created_at of rule r.id; NotFound
  // when none, Conflict when the new name is taken.
  virtual AlertRule update_alert_rule(const AlertRule& r) = 0;
  // Deletes the rule and its events; false when none.
  virtual bool delete_alert_rule(std::int64_t id) = 0;
  virtual std::optional<AlertRule> find_alert_rule(std::int64_t id) = 0;
  // By id.
  virtual std::vector<AlertRule> list_alert_rules() = 0;

  // --- alert outbox ------------------------------------------------------------
  // Stores the events (pending, next_attempt_at now unless set) in one
  // transaction, skipping any whose dedup_key is already stored. Returns how
  // many were new.
  virtual std::int64_t enqueue_alert_events(const std::vector<AlertEvent>& events) = 0;
  // Takes up to `limit` events that are due at `now` (pending with
  // next_attempt_at <= now, or sending whose lease ended: the process sending
  // them died) oldest first, marks them sending until `lease_until` and
  // returns them. Atomic across processes: an event is returned to one caller.
  virtual std::vector<AlertEvent> claim_alert_events(const std::string& now,
                                                     const std::string& lease_until,
                                                     std::int64_t limit) = 0;
  // Records the outcome of one delivery attempt of the events `ids`:
  // "delivered", "failed" (for good) or "pending" again from `next_attempt_at`.
  // Counts the attempt when `count_attempt` (not for events put back unsent)
  // and keeps `error` (cleared on delivery).
  virtual void finish_alert_events(const std::vector<std::int64_t>& ids, const std::string& state,
                                   const std::string& error,
                                   const std::string& next_attempt_at, bool count_attempt) = 0;
  virtual AlertEventPage list_alert_events(const AlertEventQuery& q) = 0;
  // Customers (external ids) that rule `rule_id` raised a customer alert for
  // at or after `since`: those still in their cooldown.
  virtual std::vector<std::string> alerted_customers_since(std::int64_t rule_id,
                                                           const std::string& since) = 0;
  virtual AlertStats alert_stats() = 0;
};

// Opens the store named by `url`: "sqlite:///abs/path.db", "sqlite://rel.db"
// or a plain file path for SQLite; "postgresql://user:pass@host:port/db?pool=8"
// (or postgres://) for PostgreSQL. Applies pending migrations.
// `replica_url` (PostgreSQL only; "" for none) names a read replica of that
// database for the heavy reads (customer lists and walks, risk summaries);
// while it cannot be reached they go to the primary. Throws Invalid for an
// unknown scheme or a replica of a SQLite store, Unavailable when the
// primary cannot be opened.
std::unique_ptr<Store> open_store(const std::string& url, const std::string& replica_url = "");

}  // namespace churnwatch::storage
