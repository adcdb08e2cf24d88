// Runs jobs from a JobQueue on a few threads. Each job kind has one handler,
// registered before start():
//
//   pool.add("export", [&](const queue::Job& job, queue::JobContext& ctx) {
//     ... ctx.progress(0.5, "halfway"); ...
//     return nlohmann::json{{"path", "..."}};   // the job's result
//   });
//
// Outcomes: a handler that returns completes the job with its result; one
// that throws core::Invalid fails it for good (bad input does not improve by
// retrying); any other exception fails it retryably (backoff, then dead).
// While a handler runs, a heartbeat thread renews its lease (so a handler
// that never reports progress keeps its job) and learns of cancellation.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "queue/job_queue.hpp"

namespace churnwatch::queue {

// Thrown by JobContext::progress when the job must stop: it was cancelled,
// the pool is stopping, or this worker lost the job's lease. Handlers let it
// pass (cleaning up on the way out, e.g. by rolling back a transaction).
class JobCancelled : public std::runtime_error {
public:
  JobCancelled() : std::runtime_error("the job was cancelled") {}
};

struct ActiveJob;

// What a running handler may ask of its worker.
class JobContext {
public:
  explicit JobContext(ActiveJob &active) : active_(active) {}
  const Job &job() const;
  // Records progress in [0, 1] and a short message; the heartbeat thread
  // writes it (at most about twice a second). Throws JobCancelled when the
  // job must stop.
  void progress(double fraction, std::string_view message);
  // Whether the job must stop (the same condition progress() throws on).
  bool cancelled() const;

private:
  ActiveJob &active_;
};

using JobHandler = std::function<nlohmann::json(const Job &, JobContext &)>;

struct WorkerOptions {
  std::size_t threads = 2;                      // jobs run at once
  std::chrono::milliseconds lease{60'000};      // renewed while a handler runs
  std::chrono::milliseconds poll_interval{500}; // wait between claims when idle
  std::string worker_id; // empty: "<host>:<pid>:<random>"
};

class WorkerPool {
public:
  WorkerPool(JobQueue &queue, WorkerOptions options);
  ~WorkerPool(); // stop(0) when still running
  WorkerPool(const WorkerPool &) = delete;
  WorkerPool &operator=(const WorkerPool &) = delete;

  // Registers the handler of `kind` (replacing one registered before). Only
  // before start().
  void add(std::string kind, JobHandler handler);
  std::vector<std::string> kinds() const;
  const std::string &worker_id() const { return options_.worker_id; }

  void start();
  // Claims at once instead of at the next poll (call after enqueuing).
  void wake();
  // Stops claiming, gives running handlers up to `grace` to finish, then
  // interrupts them at their next progress() and puts their jobs back in the
  // queue without counting the attempt; returns when every thread ended.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

private:
  void work_loop();
  void heartbeat_loop();
  void run(Job job);
  void write_last_progress(ActiveJob& active);

  JobQueue &queue_;
  WorkerOptions options_;
  std::map<std::string, JobHandler> handlers_;
  std::vector<std::string> kinds_;

  std::mutex mu_;
  std::condition_variable wake_cv_; // idle workers and the heartbeat thread
  std::condition_variable idle_cv_; // stop() waiting for handlers to finish
  bool stopping_ = false;
  bool started_ = false;
  int wakes_ = 0;
  int workers_running_ = 0;
  std::vector<std::shared_ptr<ActiveJob>> active_;
  std::vector<std::thread> threads_;
};

// What the pool and a handler share about one running job.
struct ActiveJob {
  Job job;
  std::mutex mu;
  double progress = 0;
  std::string message;
  bool dirty = false;                              // progress not yet written
  std::chrono::steady_clock::time_point last_beat; // lease last extended
  std::chrono::steady_clock::time_point last_progress_write; // epoch: never
  std::atomic<bool> cancel_requested{false};
  std::atomic<bool> lease_lost{false};
  std::atomic<bool> interrupted{false}; // the pool is stopping
};

} // namespace churnwatch::queue
