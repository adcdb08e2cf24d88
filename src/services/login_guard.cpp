#include "services/login_guard.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "core/errors.hpp"
#include "core/text.hpp"

namespace churnwatch::services {
namespace {

// Usernames compare case-insensitively here so "Admin" and "admin" share a
// counter whatever the store's collation.
std::string account_key(std::string_view username) {
  return core::ascii_lower(username.substr(0, 128));
}

}  // namespace

int LoginGuard::seconds_left(const State *s, double now) const {
  if (!s || s->locked_until <= now) return 0;
  return std::max(1, static_cast<int>(std::ceil(s->locked_until - now)));
}

void LoginGuard::check(std::string_view username, std::string_view address) {
  const double now = clock_();
  std::lock_guard lock(mu_);
  auto a = accounts_.find(account_key(username));
  auto b = addresses_.find(std::string(address));
  const int account_wait = seconds_left(a == accounts_.end() ? nullptr : &a->second, now);
  const int address_wait = seconds_left(b == addresses_.end() ? nullptr : &b->second, now);
  if (account_wait > 0 || address_wait > 0)
    throw core::RateLimited("too many failed sign-ins; try again later",
                            std::max(account_wait, address_wait));
}

void LoginGuard::fail(State &s, int limit, double now) {
  // A lock history older than a window plus the longest lock is forgiven.
  if (s.locks > 0 && now - s.last_failure > options_.window_seconds + options_.max_lock_seconds) s.locks = 0;
  s.last_failure = now;
  while (!s.failures.empty() && now - s.failures.front() > options_.window_seconds) s.failures.pop_front();
  s.failures.push_back(now);
  if (static_cast<int>(s.failures.size()) < limit) return;
  const double lock = std::min<double>(options_.max_lock_seconds,
                                       options_.first_lock_seconds * std::pow(2.0, std::min(s.locks, 30)));
  s.locked_until = now + lock;
  ++s.locks;
  s.failures.clear();
}

void LoginGuard::record_failure(std::string_view username, std::string_view address) {
  const double now = clock_();
  std::lock_guard lock(mu_);
  if (now - last_prune_ > options_.window_seconds) prune(now);
  fail(accounts_[account_key(username)], options_.account_failures, now);
  fail(addresses_[std::string(address)], options_.address_failures, now);
}

void LoginGuard::record_success(std::string_view username) {
  std::lock_guard lock(mu_);
  accounts_.erase(account_key(username));
}

void LoginGuard::prune(double now) {
  last_prune_ = now;
  const double keep = options_.window_seconds + options_.max_lock_seconds;
  for (auto *map : {&accounts_, &addresses_}) {
    for (auto it = map->begin(); it != map->end();) {
      if (it->second.locked_until <= now && now - it->second.last_failure > keep)
        it = map->erase(it);
      else
        ++it;
    }
  }
}

}  // namespace churnwatch::services
