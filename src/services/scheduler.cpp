#include "services/scheduler.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/metrics.hpp"
#include "services/cron.hpp"

namespace churnwatch::services {

namespace {

std::string setting_key(std::string_view name) { return "schedule." + std::string(name); }

constexpr std::chrono::hours kLongestWalk{8 * 24};

core::CounterFamily& enqueued_metric() {
  static auto& family = core::default_metrics().counter(
      "churnwatch_scheduler_enqueued_total",
      "Scheduled ticks this server enqueued (or found already enqueued by another server), by schedule.",
      {"schedule"});
  return family;
}

}  // namespace

std::vector<ScheduleDefinition> default_schedule_definitions() {
  return {{"monitoring", "monitor", "@hourly", true}, {"retraining", "train", "@weekly", true}};
}

void to_json(nlohmann::json& j, const Schedule& s) {
  j = {{"name", s.name},
       {"job_kind", s.job_kind},
       {"cron", s.cron},
       {"default_cron", s.default_cron},
       {"enabled", s.enabled},
       {"next_run_at", s.next_run ? nlohmann::json(core::to_iso8601(*s.next_run)) : nlohmann::json(nullptr)},
       {"updated_at", s.updated_at.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.updated_at)},
       {"updated_by", s.updated_by.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.updated_by)},
       {"runnable", s.runnable}};
}

Scheduler::Scheduler(storage::Store& store, queue::JobQueue& queue, SchedulerOptions options)
    : store_(store), queue_(queue), options_(std::move(options)) {
  for (const auto& def : options_.definitions)
    CronExpression::parse(def.default_cron);  // a typo fails at start
}

Scheduler::~Scheduler() { stop(); }

const ScheduleDefinition& Scheduler::definition(std::string_view name) const {
  for (const auto& def : options_.definitions)
    if (def.name == name) return def;
  std::string known;
  for (const auto& def : options_.definitions) known += (known.empty() ? "" : ", ") + def.name;
  throw core::NotFound("no schedule is named '" + std::string(name) + "' (schedules: " + known + ")");
}

Schedule Scheduler::load(const ScheduleDefinition& def, SystemTime now) {
  Schedule s{def.name, def.job_kind, def.default_cron, def.default_cron, def.default_enabled, {}, "",
             "",       true};
  const auto& kinds = options_.runnable_kinds;
  s.runnable = kinds.empty() || std::find(kinds.begin(), kinds.end(), def.job_kind) != kinds.end();
  if (auto stored = store_.get_setting(setting_key(def.name))) {
    const auto j = nlohmann::json::parse(*stored, nullptr, false);
    if (j.is_object()) {
      s.cron = j.value("cron", s.cron);
      s.enabled = j.value("enabled", s.enabled);
      s.updated_at = j.value("updated_at", "");
      s.updated_by = j.value("updated_by", "");
    }
  }
  if (s.enabled) {
    try {
      s.next_run = CronExpression::parse(s.cron).next_after(now);
    } catch (const core::Invalid& e) {
      // Only update() writes crons and it validates them; a hand-edited row
      // is reported and the schedule stays idle rather than guessing.
      spdlog::error(R"({{"msg":"stored schedule has a bad cron","schedule":"{}","error":{}}})", def.name,
                    nlohmann::json(e.what()).dump());
    }
  }
  return s;
}

std::vector<Schedule> Scheduler::list() {
  const auto now = options_.clock();
  std::vector<Schedule> out;
  for (const auto& def : options_.definitions) out.push_back(load(def, now));
  return out;
}

Schedule Scheduler::get(std::string_view name) { return load(definition(name), options_.clock()); }

Schedule Scheduler::update(std::string_view name, const std::optional<std::string>& cron,
                           std::optional<bool> enabled, std::string_view updated_by) {
  const auto& def = definition(name);
  if (cron) CronExpression::parse(*cron, "cron");
  std::lock_guard lock(update_mutex_);
  const auto now = options_.clock();
  Schedule current = load(def, now);
  nlohmann::json j = {{"cron", cron ? *cron : current.cron},
                      {"enabled", enabled ? *enabled : current.enabled},
                      {"updated_at", core::to_iso8601(now)},
                      {"updated_by", std::string(updated_by)}};
  store_.put_setting(setting_key(def.name), j.dump());
  return load(def, now);
}

std::vector<queue::Job> Scheduler::run_due(SystemTime since, SystemTime now) {
  std::vector<queue::Job> jobs;
  if (now <= since) return jobs;
  for (const auto& def : options_.definitions) {
    try {
      const Schedule s = load(def, since);
      if (!s.enabled) continue;
      const auto cron = CronExpression::parse(s.cron);
      // The latest tick in (since, now]. Only its last eight days are walked:
      // every cron fires within a week or a month, and a minutely one after
      // a long pause needs no more than that to find the latest tick.
      std::optional<SystemTime> tick;
      for (auto next = cron.next_after(std::max(since, now - kLongestWalk)); next && *next <= now;
           next = cron.next_after(*next))
        tick = next;
      if (!tick) continue;
      if (!s.runnable) {
        spdlog::warn(
            R"({{"msg":"scheduled tick skipped: no worker runs this job kind","schedule":"{}","kind":"{}"}})",
            def.name, def.job_kind);
        continue;
      }
      const std::string at = core::to_iso8601(*tick);
      queue::EnqueueOptions options;
      options.idempotency_key = "schedule:" + def.name + ":" + at;
      options.created_by = "scheduler";
      auto job = queue_.enqueue(def.job_kind, {{"schedule", def.name}, {"scheduled_for", at}}, options);
      enqueued_metric().with({def.name}).inc();
      spdlog::info(R"({{"msg":"scheduled job","schedule":"{}","kind":"{}","tick":"{}","job":"{}"}})",
                   def.name, def.job_kind, at, job.id);
      jobs.push_back(std::move(job));
    } catch (const std::exception& e) {
      spdlog::warn(R"({{"msg":"scheduler check failed","schedule":"{}","error":{}}})", def.name,
                   nlohmann::json(e.what()).dump());
    }
  }
  return jobs;
}

void Scheduler::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  checked_until_ = options_.clock();
  thread_ = std::thread([this] { loop(); });
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::optional<SystemTime> Scheduler::checked_until() const {
  std::lock_guard lock(mutex_);
  return checked_until_;
}

void Scheduler::loop() {
  std::unique_lock lock(mutex_);
  while (!cv_.wait_for(lock, options_.poll_interval, [&] { return stopping_; })) {
    const SystemTime since = *checked_until_;
    lock.unlock();
    const SystemTime now = options_.clock();
    run_due(since, now);
    lock.lock();
    checked_until_ = std::max(since, now);
  }
}

}  // namespace churnwatch::services
