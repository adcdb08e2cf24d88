#include "storage/wal_checkpointer.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

namespace churnwatch::storage {

WalCheckpointer::WalCheckpointer(const std::string& path)
    : path_(path), thread_([this] { run(); }) {}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void WalCheckpointer::request() {
  {
    std::lock_guard lock(mu_);
    pending_ = true;
  }
  cv_.notify_one();
}

void WalCheckpointer::run() {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    spdlog::warn("WAL checkpoints for '{}' stay with SQLite: {}", path_, sqlite3_errmsg(db));
    sqlite3_close(db);
    db = nullptr;
  } else {
    sqlite3_busy_timeout(db, 10000);
  }
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return pending_ || stopping_; });
    if (stopping_) break;
    pending_ = false;
    lock.unlock();
    if (db) {
      // PASSIVE: never waits for readers or the writer; what it cannot copy
      // now goes with the next request.
      int rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
        spdlog::warn("WAL checkpoint of '{}' failed: {}", path_, sqlite3_errmsg(db));
      }
    }
    lock.lock();
  }
  sqlite3_close(db);
}

}  // namespace churnwatch::storage
