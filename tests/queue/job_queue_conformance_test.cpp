// The JobQueue conformance suite, run against every backend.
#include "queue/job_queue_conformance.hpp"

#include "core/clock.hpp"
#include "core/errors.hpp"

#include <map>
#include <mutex>

namespace churnwatch {
namespace {

using namespace std::chrono_literals;
using queue::EnqueueOptions;
using queue::JobState;
using test_support::JobQueueConformance;

constexpr auto kLease = 60s;

TEST_P(JobQueueConformance, EnqueueGetAndList) {
  auto a = q_->enqueue("import", {{"mode", "insert"}}, {.created_by = "ana"});
  auto b = q_->enqueue("export", {{"format", "csv"}}, {});
  EXPECT_EQ(a.state, JobState::kQueued);
  EXPECT_EQ(a.attempts, 0);
  EXPECT_EQ(a.max_attempts, 3);
  EXPECT_EQ(a.payload["mode"], "insert");
  EXPECT_EQ(a.created_by, "ana");
  EXPECT_FALSE(a.created_at.empty());
  EXPECT_NE(a.id, b.id);

  auto got = q_->get(a.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->kind, "import");
  EXPECT_FALSE(q_->get("no-such-job"));

  auto all = q_->list({});
  EXPECT_EQ(all.total, 2);
  ASSERT_EQ(all.items.size(), 2u);
  EXPECT_EQ(all.items[0].id, b.id) << "newest first";
  auto exports = q_->list({.kind = "export"});
  ASSERT_EQ(exports.total, 1);
  EXPECT_EQ(exports.items[0].id, b.id);
  auto page = q_->list({.limit = 1, .offset = 1});
  EXPECT_EQ(page.total, 2);
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].id, a.id);
  EXPECT_EQ(q_->list({.state = JobState::kRunning}).total, 0);

  EXPECT_THROW(q_->enqueue("", {}, {}), core::Invalid);
  EXPECT_THROW(q_->enqueue("x", {}, {.max_attempts = 0}), core::Invalid);
}

TEST_P(JobQueueConformance, SameIdempotencyKeyAndKindReturnsTheFirstJob) {
  auto first = q_->enqueue("import", {{"n", 1}}, {.idempotency_key = "k1"});
  auto again = q_->enqueue("import", {{"n", 2}}, {.idempotency_key = "k1"});
  EXPECT_EQ(again.id, first.id);
  EXPECT_EQ(again.payload["n"], 1);
  auto other_kind = q_->enqueue("export", {}, {.idempotency_key = "k1"});
  EXPECT_NE(other_kind.id, first.id);
  auto other_key = q_->enqueue("import", {}, {.idempotency_key = "k2"});
  EXPECT_NE(other_key.id, first.id);
  EXPECT_EQ(q_->list({}).total, 3);
}

TEST_P(JobQueueConformance, ClaimsOldestRunnableOfTheWantedKinds) {
  auto a = q_->enqueue("import", {}, {});
  auto later = q_->enqueue(
      "import", {}, {.run_after = std::chrono::system_clock::now() + 1h});
  auto b = q_->enqueue("export", {}, {});
  auto c = q_->enqueue("import", {}, {});

  auto first = q_->claim("w1", {"import"}, kLease);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->id, a.id);
  EXPECT_EQ(first->state, JobState::kRunning);
  EXPECT_EQ(first->attempts, 1);
  EXPECT_EQ(first->lease_owner, "w1");
  EXPECT_FALSE(first->started_at.empty());
  EXPECT_GT(first->lease_expires_at, core::now_iso8601());

  auto second = q_->claim("w2", {"import"}, kLease);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->id, c.id) << "the delayed job is not runnable yet";
  EXPECT_FALSE(q_->claim("w3", {"import"}, kLease));
  auto any = q_->claim("w3", {}, kLease);
  ASSERT_TRUE(any);
  EXPECT_EQ(any->id, b.id);
  EXPECT_FALSE(q_->claim("w4", {}, kLease));
  EXPECT_EQ(q_->get(later.id)->state, JobState::kQueued);
}

TEST_P(JobQueueConformance,
       ExpiredLeaseIsReclaimedByAnotherWorkerAsANewAttempt) {
  auto job = q_->enqueue("import", {}, {});
  ASSERT_TRUE(q_->claim("crashed", {}, 50ms));
  EXPECT_FALSE(q_->claim("w2", {}, kLease)) << "the lease is still held";
  std::this_thread::sleep_for(80ms);
  auto other = reopen(); // another process sharing the queue
  auto again = other->claim("w2", {}, kLease);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->id, job.id);
  EXPECT_EQ(again->attempts, 2);
  EXPECT_EQ(again->lease_owner, "w2");
  EXPECT_THROW(q_->heartbeat(job.id, "crashed", 0.5, "late", kLease),
               core::Conflict);
  EXPECT_THROW(q_->complete(job.id, "crashed", {}), core::Conflict);
  other->complete(job.id, "w2", {{"ok", true}});
  EXPECT_EQ(q_->get(job.id)->state, JobState::kSucceeded);
}

TEST_P(JobQueueConformance, ExpiredLeaseOnTheLastAttemptMakesTheJobDead) {
  auto job = q_->enqueue("import", {}, {.max_attempts = 1});
  ASSERT_TRUE(q_->claim("crashed", {}, 20ms));
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(q_->claim("w2", {}, kLease));
  auto dead = q_->get(job.id);
  EXPECT_EQ(dead->state, JobState::kDead);
  EXPECT_FALSE(dead->error.empty());
}

TEST_P(JobQueueConformance, HeartbeatRecordsProgressAndExtendsTheLease) {
  auto job = q_->enqueue("import", {}, {});
  ASSERT_TRUE(q_->claim("w1", {}, 100ms));
  std::this_thread::sleep_for(60ms);
  EXPECT_FALSE(q_->heartbeat(job.id, "w1", 0.25, "a quarter", 300ms));
  std::this_thread::sleep_for(60ms);
  EXPECT_FALSE(q_->claim("w2", {}, kLease))
      << "the heartbeat extended the lease past its first expiry";
  auto got = q_->get(job.id);
  EXPECT_DOUBLE_EQ(got->progress, 0.25);
  EXPECT_EQ(got->message, "a quarter");
  EXPECT_THROW(q_->heartbeat(job.id, "someone-else", 0.5, "", kLease),
               core::Conflict);
  EXPECT_THROW(q_->heartbeat("no-such-job", "w1", 0.5, "", kLease),
               core::NotFound);
}

TEST_P(JobQueueConformance, CompleteStoresTheResult) {
  auto job = q_->enqueue("export", {}, {});
  ASSERT_TRUE(q_->claim("w1", {}, kLease));
  q_->complete(job.id, "w1", {{"path", "exports/x.csv"}});
  auto done = q_->get(job.id);
  EXPECT_EQ(done->state, JobState::kSucceeded);
  EXPECT_DOUBLE_EQ(done->progress, 1.0);
  EXPECT_EQ(done->result["path"], "exports/x.csv");
  EXPECT_FALSE(done->finished_at.empty());
  EXPECT_TRUE(done->lease_owner.empty());
  EXPECT_THROW(q_->complete(job.id, "w1", {}), core::Conflict);
  EXPECT_FALSE(q_->claim("w2", {}, kLease));
}

TEST_P(JobQueueConformance, RetryableFailureComesBackAfterABackoff) {
  auto job = q_->enqueue("import", {}, {});
  ASSERT_TRUE(q_->claim("w1", {}, kLease));
  const auto before = core::now_iso8601();
  auto failed = q_->fail(job.id, "w1", "disk full", true);
  EXPECT_EQ(failed.state, JobState::kQueued);
  EXPECT_EQ(failed.error, "disk full");
  EXPECT_EQ(failed.attempts, 1);
  // First retry waits 1..2 s (2 s base, equal jitter).
  EXPECT_GE(failed.run_after,
            core::to_iso8601(std::chrono::system_clock::now() + 900ms));
  EXPECT_LE(failed.run_after,
            core::to_iso8601(std::chrono::system_clock::now() + 2100ms));
  EXPECT_GT(failed.run_after, before);
  EXPECT_FALSE(q_->claim("w1", {}, kLease)) << "not claimable before run_after";
}

TEST_P(JobQueueConformance, BackoffGrowsExponentiallyToACap) {
  EXPECT_EQ(queue::retry_delay(1, 0.0), 1000ms);
  EXPECT_EQ(queue::retry_delay(1, 0.999), 1999ms);
  EXPECT_EQ(queue::retry_delay(2, 0.0), 2000ms);
  EXPECT_EQ(queue::retry_delay(3, 0.5), 6000ms);
  EXPECT_EQ(queue::retry_delay(30, 0.0), 150s);
  EXPECT_LE(queue::retry_delay(30, 0.999), 300s);
}

TEST_P(JobQueueConformance, RetryableFailureOnTheLastAttemptIsDead) {
  auto job = q_->enqueue("import", {}, {.max_attempts = 1});
  ASSERT_TRUE(q_->claim("w1", {}, kLease));
  auto dead = q_->fail(job.id, "w1", "timeout", true);
  EXPECT_EQ(dead.state, JobState::kDead);
  EXPECT_EQ(dead.error, "timeout");
  EXPECT_FALSE(dead.finished_at.empty());
  EXPECT_EQ(q_->counts()[JobState::kDead], 1);
}

TEST_P(JobQueueConformance, NonRetryableFailureIsFailedAtOnce) {
  auto job = q_->enqueue("import", {}, {.max_attempts = 5});
  ASSERT_TRUE(q_->claim("w1", {}, kLease));
  auto failed = q_->fail(job.id, "w1", "bad column", false);
  EXPECT_EQ(failed.state, JobState::kFailed);
  EXPECT_EQ(failed.attempts, 1);
  EXPECT_THROW(q_->fail(job.id, "w1", "again", false), core::Conflict);
}

TEST_P(JobQueueConformance, AFailureKeepsItsDetails) {
  auto job = q_->enqueue("import", {}, {});
  EXPECT_TRUE(job.error_details.is_null());
  ASSERT_TRUE(q_->claim("w1", {}, kLease));
  const nlohmann::json details = {
      {"errors", {{{"field", "Age"}, {"message", "not a number"}, {"line", 3}, {"column", 7}}}},
      {"errors_total", 1}};
  auto failed = q_->fail(job.id, "w1", "1 error in a.csv", false, details);
  EXPECT_EQ(failed.error_details, details);
  EXPECT_EQ(reopen()->get(job.id)->error_details, details) << "stored, not only returned";
  EXPECT_EQ(nlohmann::json(failed)["error_details"]["errors"][0]["line"], 3);

  auto plain = q_->enqueue("import", {}, {});
  ASSERT_TRUE(q_->claim("w1", {}, kLease));
  EXPECT_TRUE(q_->fail(plain.id, "w1", "disk full", false).error_details.is_null());
}

TEST_P(JobQueueConformance, CancelQueuedEndsItAtOnce) {
  auto job = q_->enqueue("import", {}, {});
  auto cancelled = q_->cancel(job.id);
  EXPECT_EQ(cancelled.state, JobState::kCancelled);
  EXPECT_FALSE(q_->claim("w1", {}, kLease));
  EXPECT_THROW(q_->cancel(job.id), core::Conflict);
  EXPECT_THROW(q_->cancel("no-such-job"), core::NotFound);
}

TEST_P(JobQueueConformance, CancelRunningAsksTheWorkerWhichFinishesIt) {
  auto job = q_->enqueue("import", {}, {});
  ASSERT_TRUE(q_->claim("w1", {}, kLease));
  auto asked = q_->cancel(job.id);
  EXPECT_EQ(asked.state, JobState::kRunning);
  EXPECT_TRUE(asked.cancel_requested);
  EXPECT_TRUE(q_->heartbeat(job.id, "w1", 0.3, "", kLease));
  q_->finish_cancelled(job.id, "w1");
  EXPECT_EQ(q_->get(job.id)->state, JobState::kCancelled);
}

TEST_P(JobQueueConformance, ReleaseRequeuesWithoutCountingTheAttempt) {
  auto job = q_->enqueue("import", {}, {});
  ASSERT_TRUE(q_->claim("w1", {}, kLease));
  q_->release(job.id, "w1");
  auto back = q_->get(job.id);
  EXPECT_EQ(back->state, JobState::kQueued);
  EXPECT_EQ(back->attempts, 0);
  auto again = q_->claim("w2", {}, kLease);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->attempts, 1);
}

TEST_P(JobQueueConformance, CountsEveryState) {
  auto a = q_->enqueue("k", {}, {});
  q_->enqueue("k", {}, {});
  auto c = q_->enqueue("k", {}, {});
  q_->cancel(c.id);
  ASSERT_TRUE(q_->claim("w1", {}, kLease));
  auto counts = q_->counts();
  EXPECT_EQ(counts.size(), 6u);
  EXPECT_EQ(counts[JobState::kQueued], 1);
  EXPECT_EQ(counts[JobState::kRunning], 1);
  EXPECT_EQ(counts[JobState::kCancelled], 1);
  EXPECT_EQ(counts[JobState::kSucceeded], 0);
  EXPECT_EQ(q_->depth(), 1);
  q_->complete(a.id, "w1", {});
  EXPECT_EQ(q_->counts()[JobState::kSucceeded], 1);
}

TEST_P(JobQueueConformance, ConcurrentWorkersOfSeveralProcessesClaimEachJobOnce) {
  constexpr int kJobs = 40, kWorkers = 4;
  for (int i = 0; i < kJobs; ++i)
    q_->enqueue("import", {{"n", i}}, {});
  std::vector<std::unique_ptr<queue::JobQueue>> queues;
  for (int w = 0; w < kWorkers; ++w)
    queues.push_back(reopen()); // each worker as its own process would
  std::mutex mu;
  std::map<std::string, int> claimed;
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      const std::string me = "w" + std::to_string(w);
      while (auto job = queues[w]->claim(me, {}, kLease)) {
        {
          std::lock_guard lock(mu);
          ++claimed[job->id];
        }
        queues[w]->complete(job->id, me, {});
      }
    });
  }
  for (auto &t : workers)
    t.join();
  EXPECT_EQ(claimed.size(), static_cast<std::size_t>(kJobs));
  for (const auto &[id, times] : claimed)
    EXPECT_EQ(times, 1) << "job " << id << " was claimed " << times << " times";
  EXPECT_EQ(q_->counts()[JobState::kSucceeded], kJobs);
}

TEST_P(JobQueueConformance, ConcurrentEnqueuesWithOneIdempotencyKeyMakeOneJob) {
  constexpr int kClients = 4;
  std::vector<std::unique_ptr<queue::JobQueue>> queues;
  for (int i = 0; i < kClients; ++i)
    queues.push_back(reopen());
  std::vector<std::string> ids(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      ids[i] = queues[i]->enqueue("import", {}, {.idempotency_key = "same"}).id;
    });
  }
  for (auto &t : clients)
    t.join();
  for (const auto &id : ids)
    EXPECT_EQ(id, ids[0]);
  EXPECT_EQ(q_->list({}).total, 1);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, JobQueueConformance,
                         ::testing::Values(test_support::JobQueueBackend{
                             "sqlite",
                             [](const std::filesystem::path &dir) {
                               return queue::open_job_queue(
                                   (dir / "jobs.db").string());
                             }}),
                         [](const auto &info) { return info.param.name; });

} // namespace
} // namespace churnwatch
