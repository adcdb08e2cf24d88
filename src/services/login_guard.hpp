// Brute-force protection for sign-in (and for the current-password check of
// a password change), built so a stranger cannot turn it against a user:
//
// - per (account, address) pair: after `pair_failures` failures within the
//   window, that pair waits `first_lock_seconds`, doubling with each further
//   lock up to `max_lock_seconds` (progressive delays). The same account
//   from another address is not slowed, so guessing at someone's account
//   from your address never locks them out of theirs.
// - per address: `address_failures` failures within the window, whatever
//   the accounts, lock the address outright (also doubling). Offices behind
//   one NAT address share this budget, so it is larger.
// - admins clear a pair, an account's pairs or an address (LoginGuard::clear).
//
// The counts live behind LockoutCounters: in process memory by default
// (a restart forgets them, which only ever helps the legitimate user), or
// in Redis so every server of a fleet counts together.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "services/rate_limiter.hpp"

namespace churnwatch::services {

struct LockoutOptions {
  int pair_failures = 5;      // failures within the window that slow one account from one address
  int address_failures = 20;  // ... that lock a client address (offices share one behind NAT)
  int window_seconds = 900;
  int first_lock_seconds = 60;  // each further lock doubles, up to max_lock_seconds
  int max_lock_seconds = 3600;
};

// One counter's rule: `failures` within `window_seconds` lock the key for
// `first_lock_seconds`, doubling per consecutive lock up to
// `max_lock_seconds`; a lock history older than a window plus the longest
// lock is forgiven.
struct LockoutRule {
  int failures = 5;
  int window_seconds = 900;
  int first_lock_seconds = 60;
  int max_lock_seconds = 3600;
};

// Failure counters with locks, by key. Implementations are thread-safe.
class LockoutCounters {
 public:
  virtual ~LockoutCounters() = default;
  // Seconds `key` stays locked; 0 when it is not.
  virtual int locked_for(std::string_view key) = 0;
  // Counts one failure under `rule`; returns the seconds of the lock this
  // failure started, 0 when none.
  virtual int record_failure(std::string_view key, const LockoutRule& rule) = 0;
  // Forgets `key` (count, lock and history).
  virtual void clear(std::string_view key) = 0;
  // Forgets every key that starts with `prefix`; returns how many.
  virtual int clear_prefix(std::string_view prefix) = 0;
};

// In a hash map under one mutex; entries past their window and lock are
// pruned, so memory follows recent failures.
class InProcessLockoutCounters final : public LockoutCounters {
 public:
  explicit InProcessLockoutCounters(MonotonicClock clock = steady_seconds()) : clock_(std::move(clock)) {}
  int locked_for(std::string_view key) override;
  int record_failure(std::string_view key, const LockoutRule& rule) override;
  void clear(std::string_view key) override;
  int clear_prefix(std::string_view prefix) override;

 private:
  struct State {
    int count = 0;
    double window_start = 0;
    double locked_until = 0;
    int locks = 0;  // consecutive locks, for the doubling
    double last_failure = 0;
    double keep_until = 0;  // prunable after this
  };
  void prune(double now);

  MonotonicClock clock_;
  std::mutex mu_;
  std::unordered_map<std::string, State> states_;
  double last_prune_ = 0;
};

class LoginGuard {
 public:
  // `counters` null: in-process counters owned by the guard.
  explicit LoginGuard(LockoutOptions options = {}, std::shared_ptr<LockoutCounters> counters = nullptr);

  // Throws core::RateLimited (with the seconds left) while the pair or the
  // address is locked. Call before checking the password, so a locked
  // attempt reveals nothing about it.
  void check(std::string_view username, std::string_view address);
  // Counts a failure against the pair and the address.
  void record_failure(std::string_view username, std::string_view address);
  // A success clears the pair. The address keeps its count: a valid account
  // must not launder guesses at other accounts from the same address.
  void record_success(std::string_view username, std::string_view address);
  // Admins: clears the pair (both given), every pair of the account (only
  // `username`), or the address's own lock and count (only `address`).
  // Returns how many counters were cleared.
  int clear(const std::optional<std::string>& username, const std::optional<std::string>& address);

  const LockoutOptions& options() const { return options_; }

 private:
  LockoutRule pair_rule() const;
  LockoutRule address_rule() const;

  LockoutOptions options_;
  std::shared_ptr<LockoutCounters> counters_;
};

}  // namespace churnwatch::services
