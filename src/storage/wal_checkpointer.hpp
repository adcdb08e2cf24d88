// Copies committed WAL pages back into the SQLite database file on a thread of
// its own. A large import writes hundreds of megabytes to the WAL; folding
// them into the database (and syncing it) inside commit() would keep the
// importer and the write lock waiting for the disk. Readers and the next
// writer carry on while the copy runs.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace churnwatch::storage {

class WalCheckpointer {
 public:
  // Opens its own connection to the database at `path`.
  explicit WalCheckpointer(const std::string& path);
  // Finishes a checkpoint under way, then stops.
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Asks for a checkpoint soon; requests made while one runs fold into one.
  void request();

 private:
  void run();

  std::string path_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool pending_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace churnwatch::storage
