// The worker pool against real queues (SQLite, and PostgreSQL and Redis when
// a test server is configured): outcomes of handlers, retries, cancellation, and two pools
// sharing one queue.
#include "queue/worker_pool.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>

#include "cache/redis_test_support.hpp"
#include "core/errors.hpp"
#include "core/metrics.hpp"
#include "support/postgres_test_db.hpp"

namespace churnwatch {
namespace {

using namespace std::chrono_literals;
using queue::Job;
using queue::JobContext;
using queue::JobState;
using queue::WorkerPool;

class WorkerPoolTest : public ::testing::TestWithParam<std::string> {
protected:
  void SetUp() override {
    static int counter = 0;
    dir_ = std::filesystem::temp_directory_path() /
           ("churnwatch-workers-" + std::to_string(::getpid()) + "-" +
            std::to_string(counter++));
    std::filesystem::create_directories(dir_);
    if (GetParam() == "redis" && testing::test_redis_url().empty())
      GTEST_SKIP() << testing::kNoRedis;
    if (GetParam() == "postgres") {
      postgres_url_ = test_support::fresh_postgres_database();
      if (postgres_url_.empty()) GTEST_SKIP() << test_support::kPostgresSkipMessage;
    }
    redis_prefix_ = testing::unique_prefix("workers");
    q_ = open();
  }

  // Another handle on the test's queue (as another process would open it).
  std::unique_ptr<queue::JobQueue> open() {
    if (GetParam() == "redis")
      return queue::open_job_queue(testing::test_redis_url() + "?prefix=" + redis_prefix_);
    if (GetParam() == "postgres") return queue::open_job_queue(postgres_url_);
    return queue::open_job_queue((dir_ / "jobs.db").string());
  }
  void TearDown() override {
    q_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  static queue::WorkerOptions fast(std::size_t threads = 2) {
    queue::WorkerOptions o;
    o.threads = threads;
    o.poll_interval = 20ms;
    o.lease = 2s;
    return o;
  }

  // Polls until the job reaches a terminal state (or 10 s pass).
  Job wait_done(const std::string &id, queue::JobQueue *q = nullptr) {
    q = q ? q : q_.get();
    for (int i = 0; i < 1000; ++i) {
      auto job = q->get(id);
      if (job && queue::is_terminal(job->state))
        return *job;
      std::this_thread::sleep_for(10ms);
    }
    ADD_FAILURE() << "job " << id << " did not finish";
    return *q->get(id);
  }

  std::filesystem::path dir_;
  std::string redis_prefix_;
  std::string postgres_url_;  // the test's own database
  std::unique_ptr<queue::JobQueue> q_;
};

TEST_P(WorkerPoolTest, SuccessfulHandlerStoresResultAndProgress) {
  WorkerPool pool(*q_, fast());
  std::atomic<bool> saw_progress{false};
  pool.add("double", [&](const Job &job, JobContext &ctx) {
    ctx.progress(0.5, "halfway");
    // Long enough for the heartbeat thread to write the progress.
    for (int i = 0; i < 60 && !saw_progress; ++i)
      std::this_thread::sleep_for(10ms);
    return nlohmann::json{{"value", job.payload["n"].get<int>() * 2}};
  });
  pool.start();
  auto job = q_->enqueue("double", {{"n", 21}}, {});
  pool.wake();
  for (int i = 0; i < 200 && !saw_progress; ++i) {
    auto j = q_->get(job.id);
    if (j->state == JobState::kRunning && j->message == "halfway")
      saw_progress = true;
    std::this_thread::sleep_for(5ms);
  }
  auto done = wait_done(job.id);
  EXPECT_TRUE(saw_progress) << "progress reached the queue while the job ran";
  EXPECT_EQ(done.state, JobState::kSucceeded);
  EXPECT_EQ(done.result["value"], 42);
  EXPECT_EQ(done.attempts, 1);
}

TEST_P(WorkerPoolTest, InvalidInputFailsForGood) {
  WorkerPool pool(*q_, fast());
  std::atomic<int> runs{0};
  pool.add("strict", [&](const Job &, JobContext &) -> nlohmann::json {
    ++runs;
    throw core::Invalid("column 'Age' must be a number");
  });
  pool.start();
  auto job = q_->enqueue("strict", {}, {.max_attempts = 3});
  auto done = wait_done(job.id);
  EXPECT_EQ(done.state, JobState::kFailed);
  EXPECT_EQ(done.error, "column 'Age' must be a number");
  EXPECT_EQ(runs, 1);
}

TEST_P(WorkerPoolTest, InvalidInputKeepsItsFieldErrorsAndLastProgress) {
  WorkerPool pool(*q_, fast());
  pool.add("strict", [&](const Job&, JobContext& ctx) -> nlohmann::json {
    ctx.progress(0.4, "read 3 rows, 2 errors");
    std::vector<core::FieldError> errors;
    for (long line = 2; line < 2 + 150; ++line) errors.push_back({"Age", "not a number", line, 7});
    errors.push_back({"mode", "must be insert or upsert", std::nullopt, std::nullopt});
    throw core::Invalid("151 errors in a.csv", std::move(errors));
  });
  pool.start();
  auto job = q_->enqueue("strict", {}, {});
  auto done = wait_done(job.id);
  EXPECT_EQ(done.state, JobState::kFailed);
  EXPECT_EQ(done.message, "read 3 rows, 2 errors") << "the last progress is kept though it came quickly";
  EXPECT_DOUBLE_EQ(done.progress, 0.4);
  const auto& details = done.error_details;
  ASSERT_TRUE(details.is_object()) << details.dump();
  EXPECT_EQ(details["errors_total"], 151);
  ASSERT_EQ(details["errors"].size(), queue::kMaxDetailErrors);
  EXPECT_EQ(details["errors"][0],
            (nlohmann::json{{"field", "Age"}, {"message", "not a number"}, {"line", 2}, {"column", 7}}));
  EXPECT_EQ(details["errors"][99]["line"], 101);
}

TEST_P(WorkerPoolTest, ASucceededJobKeepsItsLastMessage) {
  WorkerPool pool(*q_, fast());
  pool.add("quick", [&](const Job&, JobContext& ctx) {
    ctx.progress(0.9, "imported 30 rows");
    return nlohmann::json::object();
  });
  pool.start();
  auto job = q_->enqueue("quick", {}, {});
  auto done = wait_done(job.id);
  EXPECT_EQ(done.state, JobState::kSucceeded);
  EXPECT_EQ(done.message, "imported 30 rows");
  EXPECT_DOUBLE_EQ(done.progress, 1.0);
  EXPECT_TRUE(done.error_details.is_null());
}

TEST_P(WorkerPoolTest, OtherErrorsAreRetriedAndTheSecondAttemptSucceeds) {
  WorkerPool pool(*q_, fast());
  std::atomic<int> runs{0};
  pool.add("flaky", [&](const Job &job, JobContext &) -> nlohmann::json {
    if (++runs == 1)
      throw std::runtime_error("connection reset");
    return {{"attempt", job.attempts}};
  });
  pool.start();
  // run_after of the retry is 1..2 s away; the test waits for it.
  auto job = q_->enqueue("flaky", {}, {});
  auto done = wait_done(job.id);
  EXPECT_EQ(done.state, JobState::kSucceeded);
  EXPECT_EQ(done.attempts, 2);
  EXPECT_EQ(done.result["attempt"], 2);
  EXPECT_EQ(done.error, "connection reset") << "the last failure stays visible";
  EXPECT_EQ(runs, 2);
}

TEST_P(WorkerPoolTest, CancellationStopsARunningHandler) {
  WorkerPool pool(*q_, fast());
  std::atomic<bool> started{false}, cleaned_up{false};
  pool.add("long", [&](const Job &, JobContext &ctx) -> nlohmann::json {
    started = true;
    try {
      for (int i = 0; i < 1000; ++i) {
        ctx.progress(i / 1000.0, "working");
        std::this_thread::sleep_for(10ms);
      }
    } catch (const queue::JobCancelled &) {
      cleaned_up = true;
      throw;
    }
    return {};
  });
  pool.start();
  auto job = q_->enqueue("long", {}, {});
  for (int i = 0; i < 500 && !started; ++i)
    std::this_thread::sleep_for(5ms);
  ASSERT_TRUE(started);
  q_->cancel(job.id);
  auto done = wait_done(job.id);
  EXPECT_EQ(done.state, JobState::kCancelled);
  EXPECT_TRUE(cleaned_up);
  EXPECT_LT(done.progress, 1.0);
}

TEST_P(WorkerPoolTest,
       StoppingReleasesUnfinishedJobsWithoutCountingTheAttempt) {
  std::atomic<bool> started{false};
  {
    WorkerPool pool(*q_, fast(1));
    pool.add("long", [&](const Job &, JobContext &ctx) -> nlohmann::json {
      started = true;
      for (;;) {
        ctx.progress(0.1, "working");
        std::this_thread::sleep_for(10ms);
      }
    });
    pool.start();
    q_->enqueue("long", {}, {});
    for (int i = 0; i < 500 && !started; ++i)
      std::this_thread::sleep_for(5ms);
    ASSERT_TRUE(started);
    pool.stop(50ms);
  }
  auto page = q_->list({});
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].state, JobState::kQueued);
  EXPECT_EQ(page.items[0].attempts, 0);
}

TEST_P(WorkerPoolTest, TwoPoolsOnOneDatabaseNeverRunAJobTwice) {
  auto second_queue = open();
  std::mutex mu;
  std::map<std::string, int> runs;
  auto handler = [&](const Job &job, JobContext &) -> nlohmann::json {
    std::lock_guard lock(mu);
    ++runs[job.id];
    return {};
  };
  constexpr int kJobs = 60;
  std::vector<std::string> ids;
  for (int i = 0; i < kJobs; ++i)
    ids.push_back(q_->enqueue("count", {{"i", i}}, {}).id);
  WorkerPool a(*q_, fast(2)), b(*second_queue, fast(2));
  a.add("count", handler);
  b.add("count", handler);
  a.start();
  b.start();
  for (const auto &id : ids)
    EXPECT_EQ(wait_done(id).state, JobState::kSucceeded);
  a.stop();
  b.stop();
  EXPECT_EQ(runs.size(), static_cast<std::size_t>(kJobs));
  for (const auto &[id, n] : runs)
    EXPECT_EQ(n, 1) << id;
  EXPECT_EQ(q_->counts()[JobState::kSucceeded], kJobs);
}

TEST_P(WorkerPoolTest, HeartbeatsKeepTheLeaseOfAQuietHandler) {
  auto o = fast(1);
  o.lease = 300ms;
  WorkerPool pool(*q_, o);
  auto other = open();
  std::atomic<bool> stolen{false};
  pool.add("quiet", [&](const Job &, JobContext &) -> nlohmann::json {
    // No progress for three lease lengths; another worker must not get it.
    for (int i = 0; i < 9; ++i) {
      std::this_thread::sleep_for(100ms);
      if (other->claim("thief", {}, 1s))
        stolen = true;
    }
    return {{"done", true}};
  });
  pool.start();
  auto job = q_->enqueue("quiet", {}, {});
  auto done = wait_done(job.id);
  EXPECT_FALSE(stolen);
  EXPECT_EQ(done.state, JobState::kSucceeded);
  EXPECT_EQ(done.attempts, 1);
}

// Runs are counted by kind and outcome in the process's metrics registry,
// which GET /metrics renders. The kinds name the queue, since the registry is
// shared by both queues' runs of this test.
TEST_P(WorkerPoolTest, RunsAreCountedByKindAndOutcome) {
  const std::string ok_kind = "metered-ok-" + GetParam(), bad_kind = "metered-bad-" + GetParam(),
                    flaky_kind = "metered-flaky-" + GetParam();
  auto &runs = core::default_metrics().counter(
      "churnwatch_job_runs_total",
      "Job runs finished by this process's workers, by kind and outcome state.",
      {"kind", "state"});
  WorkerPool pool(*q_, fast());
  pool.add(ok_kind, [](const Job &, JobContext &) { return nlohmann::json{}; });
  pool.add(bad_kind, [](const Job &, JobContext &) -> nlohmann::json {
    throw core::Invalid("bad input");
  });
  pool.add(flaky_kind, [](const Job &, JobContext &) -> nlohmann::json {
    throw std::runtime_error("network down");
  });
  pool.start();
  auto ok = q_->enqueue(ok_kind, {}, {});
  auto bad = q_->enqueue(bad_kind, {}, {});
  auto flaky = q_->enqueue(flaky_kind, {}, {.max_attempts = 1});
  wait_done(ok.id);
  wait_done(bad.id);
  EXPECT_EQ(wait_done(flaky.id).state, JobState::kDead);
  pool.stop(); // every run has been recorded once its thread ends
  EXPECT_EQ(runs.with({ok_kind, "succeeded"}).value(), 1);
  EXPECT_EQ(runs.with({bad_kind, "failed"}).value(), 1);
  EXPECT_EQ(runs.with({flaky_kind, "dead"}).value(), 1);
  auto &running = core::default_metrics().gauge(
      "churnwatch_jobs_running", "Jobs running on this process's workers, by kind.", {"kind"});
  EXPECT_EQ(running.with({ok_kind}).value(), 0);
  const auto text = core::default_metrics().render();
  EXPECT_NE(text.find("churnwatch_job_run_duration_seconds_count{kind=\"" + bad_kind + "\",state=\"failed\"} 1"),
            std::string::npos)
      << text;
}

INSTANTIATE_TEST_SUITE_P(Queues, WorkerPoolTest, ::testing::Values("sqlite", "postgres", "redis"),
                         [](const auto &info) { return info.param; });

} // namespace
} // namespace churnwatch
