// The scheduler: periodic jobs from cron expressions (services/cron.hpp),
// evaluated in UTC. Two schedules exist: "monitoring" (job kind "monitor",
// default @hourly) and "retraining" (job kind "train", default @weekly). Each
// one's cron and enabled flag live in the store's settings table
// (key "schedule.<name>", JSON), so every server of a fleet reads the same
// schedule and a change through the API applies everywhere at the next check.
//
// Exactly one job per tick across any number of servers: each due tick is
// enqueued with the idempotency key "schedule:<name>:<tick, ISO 8601 UTC>",
// and the JobQueue returns the first job for a key instead of creating
// another (its conformance suite guarantees this for every backend). No
// leader election or lease is needed, and a server that is down simply
// leaves the tick to the others.
//
// A tick missed while no scheduler ran is not made up later: after a start,
// only ticks from then on fire.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "queue/job_queue.hpp"
#include "storage/store.hpp"

namespace churnwatch::services {

using SystemTime = std::chrono::system_clock::time_point;

struct ScheduleDefinition {
  std::string name;          // "monitoring"
  std::string job_kind;      // "monitor"
  std::string default_cron;  // "@hourly"
  bool default_enabled = true;
};

// The built-in schedules: monitoring (monitor, @hourly) and retraining (train, @weekly).
std::vector<ScheduleDefinition> default_schedule_definitions();

struct Schedule {
  std::string name;
  std::string job_kind;
  std::string cron;
  std::string default_cron;
  bool enabled = true;
  std::optional<SystemTime> next_run;  // nullopt when disabled
  std::string updated_at;              // "" while the defaults apply
  std::string updated_by;
  // False when SchedulerOptions::runnable_kinds says no worker runs this job
  // kind: its ticks are skipped rather than queued.
  bool runnable = true;
};

void to_json(nlohmann::json& j, const Schedule& s);

struct SchedulerOptions {
  std::vector<ScheduleDefinition> definitions = default_schedule_definitions();
  // How often the thread looks for due ticks; a job starts at most this long
  // after its minute begins.
  std::chrono::milliseconds poll_interval{5000};
  // The time source; tests move it by hand.
  std::function<SystemTime()> clock = [] { return std::chrono::system_clock::now(); };
  // When not empty, schedules whose job kind is not listed are not enqueued
  // (logged instead), so a kind no worker can run does not pile up jobs.
  std::vector<std::string> runnable_kinds;
};

class Scheduler {
 public:
  Scheduler(storage::Store& store, queue::JobQueue& queue, SchedulerOptions options = {});
  ~Scheduler();  // stop()
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Every schedule with its next run after the clock's now.
  std::vector<Schedule> list();
  // NotFound for an unknown name.
  Schedule get(std::string_view name);
  // Sets the cron and/or the enabled flag (nullopt: unchanged) and records who
  // and when. NotFound for an unknown name; Invalid naming the cron field
  // for a bad expression.
  Schedule update(std::string_view name, const std::optional<std::string>& cron, std::optional<bool> enabled,
                  std::string_view updated_by);

  // Enqueues, for every enabled schedule with a tick in (since, now], the job
  // of its latest such tick (earlier ones in the window are skipped: a late
  // check runs the work once, not once per missed minute). Returns the jobs,
  // including ones another server already enqueued for the same tick. A
  // schedule whose enqueue fails is logged and left for the next check.
  std::vector<queue::Job> run_due(SystemTime since, SystemTime now);

  // Starts the thread: from the clock's now on, checks every poll_interval.
  void start();
  void stop();
  // The end of the last window the thread checked (the clock at that check).
  std::optional<SystemTime> checked_until() const;

 private:
  const ScheduleDefinition& definition(std::string_view name) const;
  Schedule load(const ScheduleDefinition& def, SystemTime now);
  void loop();

  storage::Store& store_;
  queue::JobQueue& queue_;
  SchedulerOptions options_;
  std::mutex update_mutex_;  // read-modify-write of one setting

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::optional<SystemTime> checked_until_;
  std::thread thread_;
};

}  // namespace churnwatch::services
