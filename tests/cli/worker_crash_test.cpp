// A `churnwatch worker` process killed mid-job loses nothing: another worker
// picks the job up once its lease expires, and the data is imported once.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <sstream>
#include <thread>

#include "cache/redis_test_support.hpp"
#include "cli/cli_process.hpp"
#include "queue/job_queue.hpp"
#include "services/transfer_jobs.hpp"
#include "storage/store.hpp"

namespace churnwatch {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// Rows of the generated upload: enough that the import runs for about a
// second, so the worker can be killed in the middle of it.
constexpr int kRows = 150'000;

std::string generated_csv() {
  std::mt19937 rng(7);
  std::ostringstream out;
  out << "CustomerId,Age,Balance,Geography,Exited\n";
  const char *countries[] = {"France", "Spain", "Germany"};
  for (int i = 0; i < kRows; ++i) {
    out << 10'000'000 + i << ',' << 18 + rng() % 70 << ',' << rng() % 100'000
        << ".5," << countries[rng() % 3] << ',' << rng() % 2 << '\n';
  }
  return out.str();
}

class WorkerCrashTest : public ::testing::TestWithParam<std::string> {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("churnwatch-crash-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    if (GetParam() == "redis") {
      if (testing::test_redis_url().empty())
        GTEST_SKIP() << testing::kNoRedis;
      redis_url_ = testing::test_redis_url() + "?prefix=" +
                   testing::unique_prefix("crash");
    }
  }
  void TearDown() override {
    test_support::kill_and_reap(first_);
    test_support::kill_and_reap(second_);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // A worker on the SQLite queue in dir_, or on the Redis queue at redis_url_.
  pid_t start_worker() {
    test_support::CliEnv env;
    if (!redis_url_.empty()) env.push_back({"CHURNWATCH_REDIS_URL", redis_url_});
    return test_support::spawn_worker(dir_, env);
  }

  fs::path dir_;
  std::string redis_url_; // empty: the SQLite queue in dir_
  pid_t first_ = -1, second_ = -1;
};

TEST_P(WorkerCrashTest, KilledWorkersImportIsRedoneOnceByAnotherWorker) {
  auto store = storage::open_store((dir_ / "churnwatch.db").string());
  auto jobs = queue::open_job_queue(
      redis_url_.empty() ? (dir_ / "jobs.db").string() : redis_url_);
  services::TransferJobs transfers(*store, *jobs, dir_);
  const auto job = transfers.start_import(
      generated_csv(), storage::WriteMode::kInsert, "generated.csv",
      std::nullopt, {.created_by = "test"});

  first_ = start_worker();
  auto running = test_support::wait_for_job(
      *jobs, job.id,
      [](const queue::Job &j) {
        return j.state != queue::JobState::kQueued && j.progress > 0;
      },
      30s);
  ASSERT_EQ(running.state, queue::JobState::kRunning)
      << "the first worker did not get into the import in time";
  ASSERT_LT(running.progress, 1.0);
  test_support::kill_and_reap(first_);
  EXPECT_EQ(store->count_customers(), 0)
      << "the killed import's transaction left nothing behind";

  second_ = start_worker();
  auto done = test_support::wait_for_job(
      *jobs, job.id,
      [](const queue::Job &j) { return queue::is_terminal(j.state); }, 60s);
  EXPECT_EQ(done.state, queue::JobState::kSucceeded) << done.error;
  EXPECT_EQ(done.attempts, 2);
  EXPECT_EQ(done.result["created"], kRows);
  EXPECT_EQ(store->count_customers(), kRows);
  EXPECT_FALSE(fs::exists(dir_ / "uploads" / (job.id + ".csv")));

  // SIGTERM stops a worker cleanly.
  ::kill(second_, SIGTERM);
  int status = 0;
  ::waitpid(second_, &status, 0);
  second_ = -1;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "status " << status;
}

INSTANTIATE_TEST_SUITE_P(Queues, WorkerCrashTest,
                         ::testing::Values("sqlite", "redis"),
                         [](const auto &info) { return info.param; });

} // namespace
} // namespace churnwatch
