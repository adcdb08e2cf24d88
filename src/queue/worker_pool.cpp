#include "queue/worker_pool.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>

#include "core/errors.hpp"
#include "core/metrics.hpp"
#include "core/random.hpp"

namespace churnwatch::queue {

namespace {

using Steady = std::chrono::steady_clock;

// Progress is written at most this often per job.
constexpr std::chrono::milliseconds kProgressInterval{500};

std::string default_worker_id() {
  char host[256] = {0};
  if (::gethostname(host, sizeof host - 1) != 0)
    host[0] = '\0';
  return std::string(host) + ":" + std::to_string(::getpid()) + ":" +
         core::random_hex(4);
}

// The message and the first few field errors ("line 3, column 2: Age: not a
// number"), so a failed job says where its input was wrong.
std::string describe(const core::Error &e) {
  constexpr std::size_t kShown = 5;
  std::string out = e.what();
  const auto &errors = e.errors();
  for (std::size_t i = 0; i < errors.size() && i < kShown; ++i) {
    const auto &fe = errors[i];
    out += i ? "; " : ": ";
    if (fe.line)
      out += "line " + std::to_string(*fe.line) +
             (fe.column ? ", column " + std::to_string(*fe.column) : "") + ": ";
    if (!fe.field.empty())
      out += fe.field + ": ";
    out += fe.message;
  }
  if (errors.size() > kShown)
    out += "; ...";
  return out;
}

// How a run of a job ended on this worker: succeeded, failed (for good),
// retrying (failed, will run again), dead (failed, out of attempts),
// cancelled, released (the pool stopped) or lost (another worker took over,
// or the outcome could not be stored; either way another attempt follows).
void record_run(const Job &job, std::string_view state, Steady::time_point started) {
  static auto &runs = core::default_metrics().counter(
      "churnwatch_job_runs_total", "Job runs finished by this process's workers, by kind and outcome state.",
      {"kind", "state"});
  static auto &durations = core::default_metrics().histogram(
      "churnwatch_job_run_duration_seconds", "How long job runs took on this process's workers, by kind and outcome state.",
      {"kind", "state"}, {0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600});
  const std::string st(state);
  runs.with({job.kind, st}).inc();
  durations.with({job.kind, st})
      .observe(std::chrono::duration<double>(Steady::now() - started).count());
}

core::Gauge &running_metric(const std::string &kind) {
  static auto &family = core::default_metrics().gauge(
      "churnwatch_jobs_running", "Jobs running on this process's workers, by kind.", {"kind"});
  return family.with({kind});
}

} // namespace

const Job &JobContext::job() const { return active_.job; }

void JobContext::progress(double fraction, std::string_view message) {
  {
    std::lock_guard lock(active_.mu);
    active_.progress = std::clamp(fraction, 0.0, 1.0);
    active_.message = std::string(message);
    active_.dirty = true;
  }
  if (cancelled())
    throw JobCancelled();
}

bool JobContext::cancelled() const {
  return active_.cancel_requested || active_.lease_lost || active_.interrupted;
}

WorkerPool::WorkerPool(JobQueue &queue, WorkerOptions options)
    : queue_(queue), options_(std::move(options)) {
  if (options_.worker_id.empty())
    options_.worker_id = default_worker_id();
  options_.threads = std::max<std::size_t>(options_.threads, 1);
}

WorkerPool::~WorkerPool() { stop(std::chrono::milliseconds(0)); }

void WorkerPool::add(std::string kind, JobHandler handler) {
  std::lock_guard lock(mu_);
  if (started_)
    throw std::logic_error("WorkerPool::add after start");
  if (!handlers_.count(kind))
    kinds_.push_back(kind);
  handlers_[std::move(kind)] = std::move(handler);
}

std::vector<std::string> WorkerPool::kinds() const { return kinds_; }

void WorkerPool::start() {
  std::lock_guard lock(mu_);
  if (started_)
    return;
  started_ = true;
  if (kinds_.empty())
    return; // nothing to run; no threads
  workers_running_ = static_cast<int>(options_.threads);
  for (std::size_t i = 0; i < options_.threads; ++i) {
    threads_.emplace_back([this] {
      work_loop();
      std::lock_guard lock(mu_);
      --workers_running_;
    });
  }
  threads_.emplace_back([this] { heartbeat_loop(); });
}

void WorkerPool::wake() {
  {
    std::lock_guard lock(mu_);
    ++wakes_;
  }
  wake_cv_.notify_all();
}

void WorkerPool::stop(std::chrono::milliseconds grace) {
  {
    std::unique_lock lock(mu_);
    if (stopping_ && threads_.empty())
      return;
    stopping_ = true;
    wake_cv_.notify_all();
    idle_cv_.wait_for(lock, grace, [&] { return active_.empty(); });
    for (auto &a : active_)
      a->interrupted = true;
  }
  wake_cv_.notify_all();
  for (auto &t : threads_)
    t.join();
  threads_.clear();
}

void WorkerPool::work_loop() {
  int seen_wakes = 0;
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_)
        return;
      seen_wakes = wakes_;
    }
    std::optional<Job> job;
    try {
      job = queue_.claim(options_.worker_id, kinds_, options_.lease);
    } catch (const std::exception &e) {
      spdlog::warn(
          R"({{"msg":"cannot claim a job","worker":"{}","error":"{}"}})",
          options_.worker_id, e.what());
    }
    if (job) {
      run(std::move(*job));
      continue;
    }
    std::unique_lock lock(mu_);
    wake_cv_.wait_for(lock, options_.poll_interval,
                      [&] { return stopping_ || wakes_ != seen_wakes; });
  }
}

void WorkerPool::run(Job job) {
  auto active = std::make_shared<ActiveJob>();
  active->job = job;
  active->last_beat = Steady::now();
  active->cancel_requested = job.cancel_requested;
  {
    std::lock_guard lock(mu_);
    // Claimed just as the pool began to stop: no heartbeats would cover it.
    if (stopping_)
      active->interrupted = true;
    active_.push_back(active);
  }
  spdlog::info(R"({{"msg":"job started","id":"{}","kind":"{}","attempt":{}}})",
               job.id, job.kind, job.attempts);
  JobContext ctx(*active);
  const std::string &me = options_.worker_id;
  const auto started = Steady::now();
  std::string outcome = "lost";
  auto &running = running_metric(job.kind);
  running.inc();
  try {
    try {
      if (active->interrupted)
        throw JobCancelled();
      auto result = handlers_.at(job.kind)(active->job, ctx);
      if (!active->lease_lost) {
        write_last_progress(*active);
        queue_.complete(job.id, me, result);
        outcome = "succeeded";
        spdlog::info(R"({{"msg":"job succeeded","id":"{}","kind":"{}"}})",
                     job.id, job.kind);
      }
    } catch (const JobCancelled &) {
      if (active->lease_lost) {
        // Another worker holds the job now; nothing here is ours to record.
      } else if (active->cancel_requested) {
        queue_.finish_cancelled(job.id, me);
        outcome = "cancelled";
        spdlog::info(R"({{"msg":"job cancelled","id":"{}","kind":"{}"}})",
                     job.id, job.kind);
      } else {
        queue_.release(job.id, me);
        outcome = "released";
        spdlog::info(R"({{"msg":"job released","id":"{}","kind":"{}"}})",
                     job.id, job.kind);
      }
    } catch (const core::Invalid &e) {
      const std::string error = describe(e);
      if (!active->lease_lost) {
        write_last_progress(*active);
        queue_.fail(job.id, me, error, false, failure_details(e));
        outcome = "failed";
      }
      spdlog::warn(R"({{"msg":"job failed","id":"{}","kind":"{}","error":{}}})",
                   job.id, job.kind, nlohmann::json(error).dump());
    } catch (const std::exception &e) {
      if (!active->lease_lost) {
        const auto* typed = dynamic_cast<const core::Error*>(&e);
        auto after = queue_.fail(job.id, me, e.what(), true, typed ? failure_details(*typed) : nullptr);
        outcome = after.state == JobState::kQueued ? "retrying" : std::string(to_string(after.state));
        spdlog::warn(
            R"({{"msg":"job attempt failed","id":"{}","kind":"{}","state":"{}","error":{}}})",
            job.id, job.kind, to_string(after.state),
            nlohmann::json(e.what()).dump());
      }
    }
  } catch (const std::exception &e) {
    // Recording the outcome failed (lease lost meanwhile, database down): the
    // lease will expire and another attempt will run.
    spdlog::warn(
        R"({{"msg":"cannot record a job outcome","id":"{}","error":{}}})",
        job.id, nlohmann::json(e.what()).dump());
  }
  running.dec();
  record_run(job, outcome, started);
  {
    std::lock_guard lock(mu_);
    active_.erase(std::find(active_.begin(), active_.end(), active));
  }
  idle_cv_.notify_all();
}

// The heartbeat thread writes progress at most every kProgressInterval, so
// a short job would end without its last message ("imported 30 rows",
// "read 12 rows, 3 errors"); written once more here so the finished job
// keeps it.
void WorkerPool::write_last_progress(ActiveJob& active) {
  double progress;
  std::string message;
  {
    std::lock_guard lock(active.mu);
    if (!active.dirty) return;
    active.dirty = false;
    progress = active.progress;
    message = active.message;
  }
  try {
    queue_.heartbeat(active.job.id, options_.worker_id, progress, message, options_.lease);
  } catch (const std::exception& e) {
    // The outcome recorded next matters more; it reports its own failure.
    spdlog::warn(R"({{"msg":"cannot record a job's last progress","id":"{}","error":{}}})", active.job.id,
                 nlohmann::json(e.what()).dump());
  }
}

void WorkerPool::heartbeat_loop() {
  const auto renew_every =
      std::max(options_.lease / 3, std::chrono::milliseconds(1));
  const auto tick = std::min(kProgressInterval / 2, renew_every);
  std::unique_lock lock(mu_);
  while (true) {
    wake_cv_.wait_for(lock, tick);
    if (stopping_ && workers_running_ == 0)
      return;
    auto jobs = active_;
    lock.unlock();
    const auto now = Steady::now();
    for (auto &a : jobs) {
      double progress;
      std::string message;
      bool due;
      {
        std::lock_guard al(a->mu);
        const auto since = now - a->last_beat;
        due = since >= renew_every ||
              (a->dirty && now - a->last_progress_write >= kProgressInterval);
        progress = a->progress;
        message = a->message;
        if (due) {
          a->dirty = false;
          a->last_progress_write = now;
        }
      }
      if (!due || a->lease_lost)
        continue;
      try {
        if (queue_.heartbeat(a->job.id, options_.worker_id, progress, message,
                             options_.lease)) {
          a->cancel_requested = true;
        }
        std::lock_guard al(a->mu);
        a->last_beat = now;
      } catch (const core::Conflict &) {
        a->lease_lost = true;
        spdlog::warn(R"({{"msg":"lost the lease of a job","id":"{}"}})",
                     a->job.id);
      } catch (const core::NotFound &) {
        a->lease_lost = true;
      } catch (const std::exception &e) {
        // Transient (database busy): the next tick tries again.
        spdlog::warn(R"({{"msg":"heartbeat failed","id":"{}","error":{}}})",
                     a->job.id, nlohmann::json(e.what()).dump());
      }
    }
    lock.lock();
  }
}

} // namespace churnwatch::queue
