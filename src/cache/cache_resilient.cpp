#include "cache/cache_resilient.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"

namespace churnwatch::cache {
namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ResilientCache::ResilientCache(std::unique_ptr<Cache> backend, std::chrono::milliseconds retry_interval)
    : backend_(std::move(backend)), retry_interval_(retry_interval) {}

bool ResilientCache::usable() {
  if (up_.load()) return true;
  auto due = next_probe_ns_.load();
  const auto now = now_ns();
  if (now < due) return false;
  // One caller per interval probes; the others go on without the cache.
  if (!next_probe_ns_.compare_exchange_strong(due, now + std::chrono::nanoseconds(retry_interval_).count()))
    return false;
  try {
    backend_->ping();
  } catch (const std::exception&) {
    return false;
  }
  return recover();
}

void ResilientCache::mark_down(const std::exception& e) {
  std::lock_guard lock(mutex_);
  next_probe_ns_.store(now_ns() + std::chrono::nanoseconds(retry_interval_).count());
  if (up_.exchange(false))
    spdlog::warn(nlohmann::json{
        {"msg", "cache unavailable; serving without cache until it answers again"},
        {"cache", std::string(backend_->kind())},
        {"error",
         e.what()}}.dump());
}

bool ResilientCache::recover() {
  std::lock_guard lock(mutex_);
  if (up_.load()) return true;
  try {
    while (!missed_.empty()) {
      backend_->bump(*missed_.begin());
      missed_.erase(missed_.begin());
    }
  } catch (const std::exception&) {
    return false;
  }
  up_.store(true);
  spdlog::info(
      nlohmann::json{{"msg", "cache available again"}, {"cache", std::string(backend_->kind())}}.dump());
  return true;
}

std::optional<std::string> ResilientCache::get(std::string_view key) {
  if (!usable()) return std::nullopt;
  try {
    return backend_->get(key);
  } catch (const std::exception& e) {
    mark_down(e);
    return std::nullopt;
  }
}

void ResilientCache::set(std::string_view key, std::string_view value, std::chrono::milliseconds ttl) {
  if (!usable()) return;
  try {
    backend_->set(key, value, ttl);
  } catch (const std::exception& e) {
    mark_down(e);
  }
}

std::optional<std::uint64_t> ResilientCache::generation(std::string_view ns) {
  if (!usable()) return std::nullopt;
  try {
    return backend_->generation(ns);
  } catch (const std::exception& e) {
    mark_down(e);
    return std::nullopt;
  }
}

void ResilientCache::bump(std::string_view ns) {
  // A bump is never skipped for being down: it is tried, and remembered when
  // it fails, so recovery makes it before the next read.
  for (;;) {
    if (up_.load()) {
      try {
        backend_->bump(ns);
        return;
      } catch (const std::exception& e) {
        mark_down(e);
      }
    }
    std::lock_guard lock(mutex_);
    if (up_.load()) continue;  // recovered meanwhile: recover() has already run, bump directly
    missed_.emplace(ns);
    return;
  }
}

std::string ResilientCache::check() {
  try {
    auto detail = backend_->ping();
    if (!up_.load() && !recover())
      throw core::Unavailable(
          "answers again, but the invalidations missed "
          "while it was down could not be made yet");
    return detail;
  } catch (const std::exception& e) {
    if (up_.load()) mark_down(e);
    throw core::Unavailable("degraded, serving without cache: " + std::string(backend_->kind()) + ": " +
                            e.what());
  }
}

}  // namespace churnwatch::cache
