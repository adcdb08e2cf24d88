#include "services/login_guard.hpp"

#include <algorithm>
#include <cmath>

#include "core/errors.hpp"
#include "core/text.hpp"

namespace churnwatch::services {
namespace {

// Usernames compare case-insensitively here so "Admin" and "admin" share a
// counter whatever the store's collation.
std::string account_key(std::string_view username) { return core::ascii_lower(username.substr(0, 128)); }

// A newline cannot occur in a username the guard keys on nor in an address,
// so it separates the two unambiguously.
std::string pair_prefix(std::string_view username) { return "pair:" + account_key(username) + "\n"; }
std::string pair_key(std::string_view username, std::string_view address) {
  return pair_prefix(username) + std::string(address);
}
std::string address_key(std::string_view address) { return "addr:" + std::string(address); }

int whole_seconds(double s) { return s <= 0 ? 0 : std::max(1, static_cast<int>(std::ceil(s))); }

}  // namespace

int InProcessLockoutCounters::locked_for(std::string_view key) {
  const double now = clock_();
  std::lock_guard lock(mu_);
  auto it = states_.find(std::string(key));
  return it == states_.end() ? 0 : whole_seconds(it->second.locked_until - now);
}

int InProcessLockoutCounters::record_failure(std::string_view key, const LockoutRule& rule) {
  const double now = clock_();
  std::lock_guard lock(mu_);
  if (now - last_prune_ > 60) prune(now);
  State& s = states_[std::string(key)];
  if (s.locks > 0 && now - s.last_failure > rule.window_seconds + rule.max_lock_seconds) s.locks = 0;
  if (s.count == 0 || now - s.window_start > rule.window_seconds) {
    s.count = 0;
    s.window_start = now;
  }
  s.last_failure = now;
  s.keep_until = now + rule.window_seconds + rule.max_lock_seconds;
  if (++s.count < rule.failures) return 0;
  const double seconds =
      std::min<double>(rule.max_lock_seconds, rule.first_lock_seconds * std::pow(2.0, std::min(s.locks, 30)));
  s.locked_until = now + seconds;
  s.keep_until = std::max(s.keep_until, s.locked_until);
  ++s.locks;
  s.count = 0;
  return whole_seconds(seconds);
}

void InProcessLockoutCounters::clear(std::string_view key) {
  std::lock_guard lock(mu_);
  states_.erase(std::string(key));
}

int InProcessLockoutCounters::clear_prefix(std::string_view prefix) {
  std::lock_guard lock(mu_);
  int n = 0;
  for (auto it = states_.begin(); it != states_.end();) {
    if (it->first.compare(0, prefix.size(), prefix) == 0) {
      it = states_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

void InProcessLockoutCounters::prune(double now) {
  last_prune_ = now;
  for (auto it = states_.begin(); it != states_.end();) {
    if (it->second.keep_until <= now)
      it = states_.erase(it);
    else
      ++it;
  }
}

LoginGuard::LoginGuard(LockoutOptions options, std::shared_ptr<LockoutCounters> counters)
    : options_(options),
      counters_(counters ? std::move(counters) : std::make_shared<InProcessLockoutCounters>()) {}

LockoutRule LoginGuard::pair_rule() const {
  return {options_.pair_failures, options_.window_seconds, options_.first_lock_seconds,
          options_.max_lock_seconds};
}

LockoutRule LoginGuard::address_rule() const {
  return {options_.address_failures, options_.window_seconds, options_.first_lock_seconds,
          options_.max_lock_seconds};
}

void LoginGuard::check(std::string_view username, std::string_view address) {
  const int pair_wait = counters_->locked_for(pair_key(username, address));
  const int address_wait = counters_->locked_for(address_key(address));
  if (address_wait > 0)
    throw core::RateLimited("too many failed sign-ins from this address; try again later",
                            std::max(pair_wait, address_wait));
  if (pair_wait > 0)
    throw core::RateLimited("too many failed sign-ins for this account from this address; try again later",
                            pair_wait);
}

void LoginGuard::record_failure(std::string_view username, std::string_view address) {
  if (options_.pair_failures > 0) counters_->record_failure(pair_key(username, address), pair_rule());
  if (options_.address_failures > 0) counters_->record_failure(address_key(address), address_rule());
}

void LoginGuard::record_success(std::string_view username, std::string_view address) {
  counters_->clear(pair_key(username, address));
}

int LoginGuard::clear(const std::optional<std::string>& username, const std::optional<std::string>& address) {
  if (username && address) {
    const bool locked = counters_->locked_for(pair_key(*username, *address)) > 0;
    counters_->clear(pair_key(*username, *address));
    return locked ? 1 : 0;
  }
  if (username) return counters_->clear_prefix(pair_prefix(*username));
  if (address) {
    const bool locked = counters_->locked_for(address_key(*address)) > 0;
    counters_->clear(address_key(*address));
    return locked ? 1 : 0;
  }
  throw core::Invalid("name the account, the address or both",
                      {{"username", "the account whose sign-in locks to clear"},
                       {"address", "the client address whose lock to clear"}});
}

}  // namespace churnwatch::services
