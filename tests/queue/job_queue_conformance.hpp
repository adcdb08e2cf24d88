// The behaviour every JobQueue must show, as a parameterised suite: a backend
// instantiates it with a factory (see job_queue_conformance_test.cpp).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "queue/job_queue.hpp"

namespace churnwatch::test_support {

// Opens a queue on `dir` (empty, private to the test); opening twice on the
// same dir must reach the same jobs (two processes sharing one queue).
// `open` returns nullptr when the backend's server is not available: the
// test then skips with `skip_message`.
struct JobQueueBackend {
  std::string name;
  std::function<std::unique_ptr<queue::JobQueue>(
      const std::filesystem::path &dir)>
      open;
  std::string skip_message = {};
};

inline std::ostream &operator<<(std::ostream &os, const JobQueueBackend &b) {
  return os << b.name;
}

class JobQueueConformance : public ::testing::TestWithParam<JobQueueBackend> {
protected:
  void SetUp() override {
    static int counter = 0;
    dir_ = std::filesystem::temp_directory_path() /
           ("churnwatch-queue-" + std::to_string(::getpid()) + "-" +
            std::to_string(counter++));
    std::filesystem::create_directories(dir_);
    q_ = GetParam().open(dir_);
    if (!q_)
      GTEST_SKIP() << GetParam().skip_message;
  }
  void TearDown() override {
    q_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::unique_ptr<queue::JobQueue> reopen() { return GetParam().open(dir_); }

  std::filesystem::path dir_;
  std::unique_ptr<queue::JobQueue> q_;
};

} // namespace churnwatch::test_support
