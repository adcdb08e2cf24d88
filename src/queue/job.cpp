#include "queue/job.hpp"

#include <algorithm>
#include <cmath>

#include "core/errors.hpp"

namespace churnwatch::queue {

namespace {

constexpr std::chrono::milliseconds kRetryBase{2000};
constexpr std::chrono::milliseconds kRetryCap{5 * 60 * 1000};

nlohmann::json or_null(const std::string &s) {
  return s.empty() ? nlohmann::json() : nlohmann::json(s);
}

} // namespace

std::string_view to_string(JobState s) {
  switch (s) {
  case JobState::kQueued:
    return "queued";
  case JobState::kRunning:
    return "running";
  case JobState::kSucceeded:
    return "succeeded";
  case JobState::kFailed:
    return "failed";
  case JobState::kCancelled:
    return "cancelled";
  case JobState::kDead:
    return "dead";
  }
  return "queued";
}

JobState parse_job_state(std::string_view s) {
  for (auto st : {JobState::kQueued, JobState::kRunning, JobState::kSucceeded,
                  JobState::kFailed, JobState::kCancelled, JobState::kDead}) {
    if (to_string(st) == s)
      return st;
  }
  throw core::Invalid(
      "unknown job state '" + std::string(s) + "'",
      {{"state",
        "must be queued, running, succeeded, failed, cancelled or dead"}});
}

bool is_terminal(JobState s) {
  return s != JobState::kQueued && s != JobState::kRunning;
}

void to_json(nlohmann::json &j, const Job &job) {
  j = {{"id", job.id},
       {"kind", job.kind},
       {"state", to_string(job.state)},
       {"progress", job.progress},
       {"message", job.message},
       {"attempts", job.attempts},
       {"max_attempts", job.max_attempts},
       {"payload", job.payload},
       {"result", job.result},
       {"error", or_null(job.error)},
       {"error_details", job.error_details},
       {"idempotency_key", or_null(job.idempotency_key)},
       {"created_by", or_null(job.created_by)},
       {"created_at", job.created_at},
       {"started_at", or_null(job.started_at)},
       {"finished_at", or_null(job.finished_at)},
       {"run_after", or_null(job.run_after)},
       {"cancel_requested", job.cancel_requested},
       {"lease_owner", or_null(job.lease_owner)},
       {"lease_expires_at", or_null(job.lease_expires_at)}};
}

nlohmann::json failure_details(const core::Error& e) {
  const auto& errors = e.errors();
  if (errors.empty()) return nullptr;
  auto list = nlohmann::json::array();
  for (std::size_t i = 0; i < errors.size() && i < kMaxDetailErrors; ++i) {
    const auto& fe = errors[i];
    list.push_back({{"field", fe.field},
                    {"message", fe.message},
                    {"line", fe.line ? nlohmann::json(*fe.line) : nlohmann::json()},
                    {"column", fe.column ? nlohmann::json(*fe.column) : nlohmann::json()}});
  }
  return {{"errors", std::move(list)}, {"errors_total", errors.size()}};
}

std::chrono::milliseconds retry_delay(int attempts, double jitter) {
  const int doublings = std::clamp(attempts - 1, 0, 20);
  const auto full =
      std::min(kRetryCap, std::chrono::milliseconds(kRetryBase.count() *
                                                    (1LL << doublings)));
  const auto half = full / 2;
  return half +
         std::chrono::milliseconds(static_cast<long long>(
             std::clamp(jitter, 0.0, 1.0) * static_cast<double>(half.count())));
}

} // namespace churnwatch::queue
