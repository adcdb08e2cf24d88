// The JobQueue: persisted background jobs, delivered at least once. The
// embedded default keeps them in SQL (sql_job_queue.*, SQLite today); the Redis
// Streams queue (redis_job_queue.*) implements the same interface and passes the same
// conformance suite (tests/queue/job_queue_conformance.hpp).
//
// Delivery: a worker claims a job and holds it under a lease that it renews
// by heartbeats. A job whose lease expires (the worker crashed or hung) is
// claimable again, so a handler may run more than once for one job and must
// be safe to repeat (an import runs in one transaction, so a killed import
// leaves nothing behind).
//
// Thread and process safety: every method may be called from any thread, and
// several processes may share one queue; claims are atomic across them.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "queue/job.hpp"

namespace churnwatch::queue {

struct EnqueueOptions {
  // Enqueuing again with the same key and kind returns the job the first call
  // created instead of a new one (whatever its state). Empty: no key.
  std::string idempotency_key;
  int max_attempts = 3; // >= 1
  std::string created_by;
  // Not claimable before this moment; nullopt: at once.
  std::optional<std::chrono::system_clock::time_point> run_after;
  // The new job's id; empty: generated. Lets a caller place files named
  // after the job before any worker can see it.
  std::string id;
};

struct JobFilter {
  std::optional<JobState> state;
  std::string kind; // empty: any
  std::int64_t limit = 50;
  std::int64_t offset = 0;
};

struct JobPage {
  std::vector<Job> items; // newest first
  std::int64_t total = 0; // matches ignoring limit/offset
};

class JobQueue {
public:
  virtual ~JobQueue() = default;

  // Stores a queued job and returns it; see EnqueueOptions for the key.
  // Throws Invalid for an empty kind or max_attempts < 1.
  virtual Job enqueue(std::string_view kind, const nlohmann::json &payload,
                      const EnqueueOptions &options) = 0;

  virtual std::optional<Job> get(std::string_view id) = 0;
  virtual JobPage list(const JobFilter &filter) = 0;

  // Takes the oldest runnable job of one of `kinds` (empty: any kind): a
  // queued job whose run_after has passed, or a running job whose lease has
  // expired. Marks it running for `worker_id` until now + `lease`, counts the
  // attempt and returns it; nullopt when none is runnable. An expired job
  // that was asked to cancel becomes cancelled instead, and one that already
  // used all its attempts becomes dead; neither is returned.
  virtual std::optional<Job> claim(std::string_view worker_id,
                                   const std::vector<std::string> &kinds,
                                   std::chrono::milliseconds lease) = 0;

  // Records progress in [0, 1] and a message and extends the lease to
  // now + `lease`. Returns whether cancellation was requested. Throws
  // Conflict when `worker_id` no longer holds the job (its lease expired and
  // another worker claimed it, or it finished), NotFound for an unknown id.
  virtual bool heartbeat(std::string_view id, std::string_view worker_id,
                         double progress, std::string_view message,
                         std::chrono::milliseconds lease) = 0;

  // The holder's outcomes; each throws Conflict when `worker_id` does not
  // hold the job and NotFound for an unknown id.
  // running -> succeeded, progress 1, with `result`.
  virtual void complete(std::string_view id, std::string_view worker_id,
                        const nlohmann::json &result) = 0;
  // running -> queued with run_after = now + retry_delay() when `retryable`
  // and attempts remain; else dead (retryable) or failed (not retryable).
  // Stores `error` and `details` (Job::error_details; null for none) as the
  // last failure's. Returns the job as stored afterwards.
  // The default argument lives here only: callers hold a JobQueue.
  virtual Job fail(std::string_view id, std::string_view worker_id, std::string_view error, bool retryable,
                   const nlohmann::json& details = nullptr) = 0;
  // running -> cancelled, after the holder saw cancel_requested.
  virtual void finish_cancelled(std::string_view id,
                                std::string_view worker_id) = 0;
  // running -> queued, runnable at once, without counting the attempt: the
  // holder is stopping and did not finish.
  virtual void release(std::string_view id, std::string_view worker_id) = 0;

  // queued -> cancelled at once; running -> cancel_requested (the worker
  // stops at its next heartbeat). Returns the job afterwards. NotFound for an
  // unknown id, Conflict when it already finished.
  virtual Job cancel(std::string_view id) = 0;

  // Jobs per state, every state present (0 when none).
  virtual std::map<JobState, std::int64_t> counts() = 0;
  // Jobs waiting to run (queued).
  virtual std::int64_t depth() = 0;
};

// Opens the queue named by `url`, in the forms open_store accepts
// ("sqlite:///abs/jobs.db", "sqlite://rel.db", a plain path), or Redis
// Streams from "redis://[:password@]host[:port][/db]" (redis_job_queue.hpp).
// Creates its tables when missing. Throws Invalid for an unknown scheme, Unavailable
// when it cannot open.
std::unique_ptr<JobQueue> open_job_queue(const std::string &url);

// A fresh random job id (32 hex digits).
std::string new_job_id();

} // namespace churnwatch::queue
