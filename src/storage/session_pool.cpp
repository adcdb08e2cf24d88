#include "storage/session_pool.hpp"

namespace churnwatch::storage {

SessionPool::SessionPool(std::size_t size, const Factory& open, HealthCheck healthy,
                         bool open_now)
    : healthy_(std::move(healthy)) {
  // Only a pool that reopens or opens late keeps `open`.
  if (healthy_ || !open_now) open_ = open;
  for (std::size_t i = 0; i < size; ++i) free_.push_back(open_now ? open() : nullptr);
}

SessionPool::Lease::~Lease() {
  if (s_) pool_->give_back(std::move(s_));
}

SessionPool::Lease SessionPool::borrow() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !free_.empty(); });
  auto s = std::move(free_.back());
  free_.pop_back();
  lock.unlock();
  if (!s || (healthy_ && !healthy_(*s))) {
    s.reset();
    try {
      s = open_();
    } catch (...) {
      give_back(nullptr);
      throw;
    }
  }
  return Lease(*this, std::move(s));
}

void SessionPool::give_back(std::unique_ptr<soci::session> s) {
  {
    std::lock_guard lock(mu_);
    free_.push_back(std::move(s));
  }
  cv_.notify_one();
}

}  // namespace churnwatch::storage
