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

  // Opens `size` sessions up front with `open`, so a bad URL fails at start-up.
  SessionPool(std::size_t size, const Factory& open);

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

  // Blocks until a session is free.
  Lease borrow();

 private:
  void give_back(std::unique_ptr<soci::session> s);

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<soci::session>> free_;
};

}  // namespace churnwatch::storage
