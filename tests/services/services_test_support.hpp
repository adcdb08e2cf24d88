// Helpers shared by the services tests: fixture files and throwaway stores.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "core/errors.hpp"
#include "storage/store.hpp"

namespace churnwatch::services::testing {

inline std::string fixture_path(const std::string& name) {
  return std::string(CHURNWATCH_SOURCE_DIR) + "/tests/fixtures/" + name;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The shared bank churn CSV, or "" when this machine does not have it.
inline std::string shared_bank_csv_path() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("CHURNWATCH_SHARED_DATA")) dirs.emplace_back(env);
  dirs.emplace_back(std::string(CHURNWATCH_SOURCE_DIR) + "/../shared/data");
  for (const auto& d : dirs) {
    std::string p = d + "/Churn_Modelling.csv";
    if (std::filesystem::exists(p)) return p;
  }
  return "";
}

// A SQLite store in a fresh temporary file, removed with the object.
class TempStore {
 public:
  TempStore() {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("churnwatch-services-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(dir_);
    store_ = storage::open_store((dir_ / "store.db").string());
  }
  ~TempStore() {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  storage::Store& operator*() { return *store_; }
  storage::Store* operator->() { return store_.get(); }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<storage::Store> store_;
};

// Runs `fn`, expects core::Invalid, returns it for inspection.
template <typename Fn>
core::Invalid expect_invalid(Fn&& fn) {
  try {
    fn();
  } catch (const core::Invalid& e) {
    return e;
  }
  ADD_FAILURE() << "expected core::Invalid";
  return core::Invalid("no error");
}

}  // namespace churnwatch::services::testing
