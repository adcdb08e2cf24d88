// The scheduler over a real store and job queue (SQLite; PostgreSQL for both
// and Redis Streams for the queue when a test server is configured):
// schedules kept in settings,
// due ticks enqueued once, and several schedulers (as on several servers)
// sharing one queue still make exactly one job per tick.
#include "services/scheduler.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include "cache/redis_test_support.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "storage/store.hpp"
#include "support/postgres_test_db.hpp"

namespace churnwatch {
namespace {

using namespace std::chrono;
using services::Scheduler;
using services::SchedulerOptions;
using services::SystemTime;

SystemTime at(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s};
}

// A clock the test moves by hand.
struct ManualClock {
  std::atomic<std::int64_t> ms{0};
  void set(SystemTime t) { ms = duration_cast<milliseconds>(t.time_since_epoch()).count(); }
  std::function<SystemTime()> fn() {
    return [this] { return SystemTime(milliseconds(ms.load())); };
  }
};

class SchedulerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("churnwatch-scheduler-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(dir_);
    store_url_ = (dir_ / "store.db").string();
    if (GetParam() == "postgres") {
      store_url_ = test_support::fresh_postgres_database();
      if (store_url_.empty()) GTEST_SKIP() << test_support::kPostgresSkipMessage;
    }
    store_ = storage::open_store(store_url_);
    if (GetParam() == "postgres") {
      jobs_url_ = store_url_;  // the queue in the store's database, as serve does
    } else if (GetParam() == "redis") {
      if (testing::test_redis_url().empty()) GTEST_SKIP() << testing::kNoRedis;
      jobs_url_ = testing::test_redis_url() + "?prefix=" + testing::unique_prefix("scheduler");
    } else {
      jobs_url_ = (dir_ / "jobs.db").string();
    }
    queue_ = queue::open_job_queue(jobs_url_);
    clock_.set(at(2026, 11, 28, 8, 15));  // a Saturday
  }

  SchedulerOptions options() {
    SchedulerOptions o;
    o.clock = clock_.fn();
    o.poll_interval = milliseconds(10);
    return o;
  }

  std::vector<queue::Job> jobs_of(const std::string& kind) {
    return queue_->list({.kind = kind, .limit = 1000}).items;
  }

  void TearDown() override {
    queue_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::Store> store_;
  std::string store_url_;
  std::string jobs_url_;  // another open_job_queue(jobs_url_) is another server's handle
  std::unique_ptr<queue::JobQueue> queue_;
  ManualClock clock_;
};

TEST_P(SchedulerTest, DefaultsAreHourlyMonitoringAndWeeklyRetraining) {
  Scheduler scheduler(*store_, *queue_, options());
  const auto all = scheduler.list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "monitoring");
  EXPECT_EQ(all[0].job_kind, "monitor");
  EXPECT_EQ(all[0].cron, "@hourly");
  EXPECT_TRUE(all[0].enabled);
  ASSERT_TRUE(all[0].next_run);
  EXPECT_EQ(core::to_iso8601(*all[0].next_run), "2026-11-28T09:00:00.000Z");
  EXPECT_TRUE(all[0].updated_at.empty());
  EXPECT_EQ(all[1].name, "retraining");
  EXPECT_EQ(all[1].job_kind, "train");
  EXPECT_EQ(all[1].cron, "@weekly");
  EXPECT_EQ(core::to_iso8601(*all[1].next_run), "2026-11-29T00:00:00.000Z");
}

TEST_P(SchedulerTest, UpdateIsStoredInSettingsAndSeenByAnotherScheduler) {
  Scheduler first(*store_, *queue_, options());
  auto s = first.update("monitoring", std::string("*/10 * * * *"), std::nullopt, "admin-user");
  EXPECT_EQ(s.cron, "*/10 * * * *");
  EXPECT_EQ(core::to_iso8601(*s.next_run), "2026-11-28T08:20:00.000Z");
  EXPECT_EQ(s.updated_by, "admin-user");
  EXPECT_EQ(s.updated_at, "2026-11-28T08:15:00.000Z");
  ASSERT_TRUE(store_->get_setting("schedule.monitoring"));

  Scheduler other(*store_, *queue_, options());
  EXPECT_EQ(other.get("monitoring").cron, "*/10 * * * *");

  auto off = other.update("monitoring", std::nullopt, false, "admin-user");
  EXPECT_FALSE(off.enabled);
  EXPECT_FALSE(off.next_run);
  EXPECT_EQ(off.cron, "*/10 * * * *") << "the cron is kept while disabled";
  EXPECT_FALSE(first.get("monitoring").enabled);
}

TEST_P(SchedulerTest, BadCronOrUnknownNameIsRefusedAndNothingChanges) {
  Scheduler scheduler(*store_, *queue_, options());
  try {
    scheduler.update("retraining", std::string("0 25 * * *"), std::nullopt, "admin-user");
    FAIL() << "accepted hour 25";
  } catch (const core::Invalid& e) {
    EXPECT_NE(std::string(e.what()).find("hour: 25 is outside 0-23"), std::string::npos) << e.what();
    ASSERT_EQ(e.errors().size(), 1u);
    EXPECT_EQ(e.errors()[0].field, "cron");
  }
  EXPECT_EQ(scheduler.get("retraining").cron, "@weekly");
  EXPECT_FALSE(store_->get_setting("schedule.retraining"));
  EXPECT_THROW(scheduler.get("backups"), core::NotFound);
  EXPECT_THROW(scheduler.update("backups", std::nullopt, true, "x"), core::NotFound);
}

TEST_P(SchedulerTest, ADueTickEnqueuesOneJobWithTheTickAsIdempotencyKey) {
  Scheduler scheduler(*store_, *queue_, options());
  // 08:15 -> 08:59: no hourly tick.
  EXPECT_TRUE(scheduler.run_due(at(2026, 11, 28, 8, 15), at(2026, 11, 28, 8, 59, 59)).empty());
  // The window reaches 09:00.
  auto jobs = scheduler.run_due(at(2026, 11, 28, 8, 59, 59), at(2026, 11, 28, 9, 0, 4));
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].kind, "monitor");
  EXPECT_EQ(jobs[0].idempotency_key, "schedule:monitoring:2026-11-28T09:00:00.000Z");
  EXPECT_EQ(jobs[0].payload["schedule"], "monitoring");
  EXPECT_EQ(jobs[0].payload["scheduled_for"], "2026-11-28T09:00:00.000Z");
  EXPECT_EQ(jobs[0].created_by, "scheduler");
  // Checking an overlapping window again finds the same job.
  auto again = scheduler.run_due(at(2026, 11, 28, 8, 59), at(2026, 11, 28, 9, 0, 30));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].id, jobs[0].id);
  EXPECT_EQ(jobs_of("monitor").size(), 1u);
  EXPECT_TRUE(jobs_of("train").empty());
}

TEST_P(SchedulerTest, ALongWindowRunsOnlyItsLatestTick) {
  Scheduler scheduler(*store_, *queue_, options());
  auto jobs = scheduler.run_due(at(2026, 11, 28, 2, 30), at(2026, 11, 28, 8, 15));
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].payload["scheduled_for"], "2026-11-28T08:00:00.000Z");
  // Sunday midnight: both schedules fire.
  auto both = scheduler.run_due(at(2026, 11, 28, 23, 59), at(2026, 11, 29, 0, 0, 5));
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[1].kind, "train");
  EXPECT_EQ(both[1].idempotency_key, "schedule:retraining:2026-11-29T00:00:00.000Z");
}

TEST_P(SchedulerTest, DisabledSchedulesAndKindsNoWorkerRunsAreNotEnqueued) {
  Scheduler scheduler(*store_, *queue_, options());
  scheduler.update("monitoring", std::nullopt, false, "admin-user");
  EXPECT_TRUE(scheduler.run_due(at(2026, 11, 28, 8, 59), at(2026, 11, 28, 9, 1)).empty());

  auto o = options();
  o.runnable_kinds = {"train"};
  Scheduler limited(*store_, *queue_, o);
  limited.update("monitoring", std::nullopt, true, "admin-user");
  EXPECT_FALSE(limited.get("monitoring").runnable);
  EXPECT_TRUE(limited.get("retraining").runnable);
  EXPECT_TRUE(scheduler.get("monitoring").runnable) << "no list of kinds: every kind is assumed to run";
  EXPECT_TRUE(limited.run_due(at(2026, 11, 28, 9, 59), at(2026, 11, 28, 10, 1)).empty());
  EXPECT_EQ(limited.run_due(at(2026, 11, 28, 23, 59), at(2026, 11, 29, 0, 1)).size(), 1u);
  EXPECT_TRUE(jobs_of("monitor").empty());
}

// Two servers: separate store and queue connections to the same files, each
// with its own scheduler, checking overlapping windows at the same moments.
TEST_P(SchedulerTest, TwoSchedulersOnOneQueueMakeExactlyOneJobPerTick) {
  auto store_b = storage::open_store(store_url_);
  auto queue_b = queue::open_job_queue(jobs_url_);
  Scheduler a(*store_, *queue_, options());
  Scheduler b(*store_b, *queue_b, options());
  a.update("monitoring", std::string("* * * * *"), std::nullopt, "admin-user");

  constexpr int kMinutes = 30;
  const SystemTime start = at(2026, 11, 28, 8, 0, 30);
  auto walk = [&](Scheduler& s, seconds offset) {
    // Each checks every 20 s, the two out of step by `offset`.
    for (SystemTime t = start + offset; t < start + minutes(kMinutes); t += seconds(20))
      s.run_due(t, t + seconds(20));
  };
  std::thread ta([&] { walk(a, seconds(0)); });
  std::thread tb([&] { walk(b, seconds(7)); });
  ta.join();
  tb.join();

  const auto jobs = jobs_of("monitor");
  std::set<std::string> keys;
  for (const auto& j : jobs) keys.insert(j.idempotency_key);
  EXPECT_EQ(keys.size(), jobs.size()) << "two jobs for one tick";
  // Ticks 08:01 .. 08:30 fall in both walks' windows.
  EXPECT_EQ(jobs.size(), static_cast<std::size_t>(kMinutes));
  EXPECT_TRUE(keys.count("schedule:monitoring:2026-11-28T08:01:00.000Z"));
  EXPECT_TRUE(keys.count("schedule:monitoring:2026-11-28T08:30:00.000Z"));
}

TEST_P(SchedulerTest, RunningSchedulersOnTwoServersEnqueueOnceWhenTheTickComes) {
  auto store_b = storage::open_store(store_url_);
  auto queue_b = queue::open_job_queue(jobs_url_);
  Scheduler a(*store_, *queue_, options());
  Scheduler b(*store_b, *queue_b, options());
  clock_.set(at(2026, 11, 28, 8, 59, 50));
  a.start();
  b.start();
  clock_.set(at(2026, 11, 28, 9, 0, 2));
  const SystemTime tick = at(2026, 11, 28, 9, 0);
  // Generous: both threads must have checked a window ending after the tick.
  const auto deadline = steady_clock::now() + seconds(30);
  while (steady_clock::now() < deadline && !(a.checked_until() >= tick && b.checked_until() >= tick))
    std::this_thread::sleep_for(milliseconds(10));
  a.stop();
  b.stop();
  ASSERT_GE(*a.checked_until(), tick);
  ASSERT_GE(*b.checked_until(), tick);
  const auto jobs = jobs_of("monitor");
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].idempotency_key, "schedule:monitoring:2026-11-28T09:00:00.000Z");
}

TEST_P(SchedulerTest, AStoppedSchedulerEnqueuesNothing) {
  Scheduler scheduler(*store_, *queue_, options());
  scheduler.start();
  scheduler.stop();
  clock_.set(at(2026, 11, 28, 9, 0, 2));
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_TRUE(jobs_of("monitor").empty());
}

INSTANTIATE_TEST_SUITE_P(Queues, SchedulerTest, ::testing::Values("sqlite", "postgres", "redis"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace churnwatch
