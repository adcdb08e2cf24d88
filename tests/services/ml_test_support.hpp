// Helpers for the model and scoring service tests: a temporary store filled
// with generated demo customers, and a models folder beside it.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>

#include "services/customer_io.hpp"
#include "services/demo_data.hpp"
#include "services/model_service.hpp"
#include "storage/store.hpp"

namespace churnwatch::services::testing {

class DemoWorkspace {
 public:
  explicit DemoWorkspace(std::int64_t rows, std::uint64_t seed = 7) {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("churnwatch-ml-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(dir_);
    store_ = storage::open_store((dir_ / "store.db").string());
    if (rows > 0) {
      std::stringstream csv;
      write_demo_csv(csv, rows, seed);
      ImportOptions options;
      import_csv(*store_, csv, options);
    }
  }
  ~DemoWorkspace() {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  storage::Store& store() { return *store_; }
  std::filesystem::path models_dir() const { return dir_ / "models"; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<storage::Store> store_;
};

// Fast settings for tests: no search, a fixed seed.
inline TrainRequest quick_request(std::string algorithm = "gbdt") {
  TrainRequest r;
  r.algorithm = std::move(algorithm);
  r.search_budget = 1;
  r.seed = 11;
  return r;
}

}  // namespace churnwatch::services::testing
