// The JobQueue conformance suite on Redis Streams (skipped without a test
// Redis: CHURNWATCH_TEST_REDIS_URL).
#include <cstdlib>

#include "cache/redis_test_support.hpp"
#include "queue/job_queue_conformance.hpp"

namespace churnwatch {
namespace {

// Each test's directory names its own key prefix, so opening twice on one
// directory reaches the same jobs and tests never see each other's.
std::string redis_queue_url(const std::filesystem::path& dir) {
  static const std::string run = testing::unique_prefix("queue");
  return testing::test_redis_url() + "?prefix=" + run + dir.filename().string() + ":";
}

void skip_without_redis() {
  if (testing::test_redis_url().empty()) GTEST_SKIP() << testing::kNoRedis;
}

std::unique_ptr<queue::JobQueue> open_redis_queue(const std::filesystem::path& dir) {
  skip_without_redis();
  if (testing::test_redis_url().empty()) return nullptr;
  return queue::open_job_queue(redis_queue_url(dir));
}

using test_support::JobQueueBackend;
using test_support::JobQueueConformance;

INSTANTIATE_TEST_SUITE_P(Redis, JobQueueConformance,
                         ::testing::Values(JobQueueBackend{"redis", open_redis_queue}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace churnwatch
