// Brute-force protection for sign-in: repeated failures lock the account and
// the client address for a growing time. Kept in process memory (a restart
// forgets locks, which only ever helps the legitimate user).
#pragma once

#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "services/rate_limiter.hpp"

namespace churnwatch::services {

struct LockoutOptions {
  int account_failures = 5;   // failures within the window that lock an account
  int address_failures = 20;  // ... that lock a client address (offices share one behind NAT)
  int window_seconds = 900;
  int first_lock_seconds = 60;  // each further lock doubles, up to max_lock_seconds
  int max_lock_seconds = 3600;
};

class LoginGuard {
 public:
  explicit LoginGuard(LockoutOptions options = {}, MonotonicClock clock = steady_seconds())
      : options_(options), clock_(std::move(clock)) {}

  // Throws core::RateLimited (with the seconds left) while the account or
  // the address is locked. Call before checking the password, so a locked
  // account reveals nothing about it.
  void check(std::string_view username, std::string_view address);
  // Counts a failed sign-in against both; locks whichever reached its limit.
  void record_failure(std::string_view username, std::string_view address);
  // A successful sign-in clears the account's failures and lock history. The
  // address keeps its count: a valid account must not launder guesses at
  // other accounts from the same address.
  void record_success(std::string_view username);

 private:
  struct State {
    std::deque<double> failures;  // times within the window
    double locked_until = 0;
    int locks = 0;  // consecutive locks, for the doubling
    double last_failure = 0;
  };
  void fail(State &s, int limit, double now);
  int seconds_left(const State *s, double now) const;
  void prune(double now);

  LockoutOptions options_;
  MonotonicClock clock_;
  std::mutex mu_;
  std::unordered_map<std::string, State> accounts_;
  std::unordered_map<std::string, State> addresses_;
  double last_prune_ = 0;
};

}  // namespace churnwatch::services
