// The JobQueue conformance suite on PostgreSQL (the jobs table in a database
// of its own per test), plus what only a server-backed queue promises:
// recovering from a server restart. Skips without a server (see
// support/postgres_test_db.hpp).
#include <cstdlib>
#include <map>
#include <mutex>

#include "core/errors.hpp"
#include "queue/job_queue_conformance.hpp"
#include "support/postgres_test_db.hpp"

namespace churnwatch {
namespace {

using namespace std::chrono_literals;
using queue::JobState;
using test_support::JobQueueConformance;

// One database per test directory, so reopening the same dir (a second
// process) reaches the same jobs.
std::unique_ptr<queue::JobQueue> open_postgres_queue(const std::filesystem::path &dir) {
  static std::mutex mu;
  static std::map<std::string, std::string> urls;
  std::string url;
  {
    std::lock_guard lock(mu);
    auto &known = urls[dir.string()];
    if (known.empty()) known = test_support::fresh_postgres_database();
    url = known;
  }
  if (url.empty()) return nullptr;
  return queue::open_job_queue(url);
}

INSTANTIATE_TEST_SUITE_P(Postgres, JobQueueConformance,
                         ::testing::Values(test_support::JobQueueBackend{
                             "postgres", open_postgres_queue,
                             test_support::kPostgresSkipMessage}),
                         [](const auto &info) { return info.param.name; });

TEST(PostgresJobQueue, KeepsWorkingAfterTheServerRestarts) {
  if (!test_support::postgres_admin_url())
    GTEST_SKIP() << test_support::kPostgresSkipMessage;
  // A server of its own: restarting the shared one would break other tests.
  test_support::PrivatePostgres server;
  ASSERT_FALSE(server.url().empty()) << "the private PostgreSQL did not start";
  auto q = queue::open_job_queue(server.url());
  auto a = q->enqueue("import", {}, {});
  // Both pooled sessions have been used.
  ASSERT_TRUE(q->get(a.id));
  ASSERT_TRUE(q->claim("w1", {}, 60s));

  ASSERT_TRUE(server.pg_ctl("restart"));

  // The next operations succeed without any manual step.
  EXPECT_EQ(q->get(a.id)->state, JobState::kRunning);
  q->complete(a.id, "w1", {{"ok", true}});
  auto b = q->enqueue("export", {}, {});
  EXPECT_EQ(q->claim("w2", {}, 60s)->id, b.id);
  EXPECT_EQ(q->counts()[JobState::kSucceeded], 1);
}

} // namespace
} // namespace churnwatch
