// A small pool of database sessions. A SOCI session serves one thread at a
// time, so each caller borrows one for the duration of a call and gives it
// back; callers beyond the pool size wait.
#pragma once

#include <soci/soci.h>

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace churnwatch::storage {

class SessionPool {
 public:
  using Factory = std::function<std::unique_ptr<soci::session>()>;
  // Whether a free session may be handed out; when not (say its server
  // restarted), borrow() replaces it with a new one from the factory.
  using HealthCheck = std::function<bool(soci::session&)>;

  // Opens `size` sessions up front with `open`, so a bad URL fails at start-up.
  // With `healthy`, the pool keeps `open` to replace sessions later, so it
  // must then own (not borrow) whatever it captures.
  // With `open_now` false, no session is opened until borrowed (a replica
  // that may be down at start-up); `open` is then kept as well.
  SessionPool(std::size_t size, const Factory& open, HealthCheck healthy = {},
              bool open_now = true);

  class Lease {
   public:
    Lease(SessionPool& pool, std::unique_ptr<soci::session> s) : pool_(&pool), s_(std::move(s)) {}
    Lease(Lease&& o) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    soci::session& operator*() { return *s_; }
    soci::session* operator->() { return s_.get(); }

   private:
    SessionPool* pool_;
    std::unique_ptr<soci::session> s_;
  };

  // Blocks until a session is free. Throws what the factory throws when a
  // session has to be replaced and cannot be (the slot stays for a retry).
  Lease borrow();

 private:
  void give_back(std::unique_ptr<soci::session> s);

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<soci::session>> free_;  // null: to be reopened
  Factory open_;
  HealthCheck healthy_;
};

}  // namespace churnwatch::storage
