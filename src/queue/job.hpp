// A job: one unit of background work (import, export, train, score, ...)
// with its lifecycle, progress and outcome, as a JobQueue stores it.
//
//   queued --claim--> running --complete--> succeeded
//     ^                  |  \--fail(retryable, attempts left)--> queued (later)
//     |                  |  \--fail(retryable, none left)-----> dead
//     |                  |  \--fail(not retryable)-----------> failed
//     +--release/lease---+  \--cancel + next heartbeat--------> cancelled
//        expiry (reclaim)
//   queued --cancel--> cancelled
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/errors.hpp"

namespace churnwatch::queue {

enum class JobState {
  kQueued,
  kRunning,
  kSucceeded,
  kFailed,
  kCancelled,
  kDead
};

std::string_view to_string(JobState s);
// Parses "queued", "running", ...; throws core::Invalid otherwise.
JobState parse_job_state(std::string_view s);
// succeeded, failed, cancelled and dead never change again.
bool is_terminal(JobState s);

struct Job {
  std::string id;
  std::string kind;
  JobState state = JobState::kQueued;
  double progress = 0; // [0, 1], as last reported by the worker
  std::string message; // the worker's last progress message
  int attempts = 0;    // claims so far (a crashed worker's attempt counts)
  int max_attempts = 3;
  nlohmann::json payload = nlohmann::json::object();
  nlohmann::json result; // null until succeeded
  std::string error;     // the last failure's message
  // The last failure's structured details, null when it had none; for bad
  // input, failure_details() of the error (which line and field was wrong).
  nlohmann::json error_details;
  std::string idempotency_key;
  std::string created_by;
  // ISO 8601 UTC with milliseconds; "" when not (yet) set.
  std::string created_at;
  std::string started_at; // first claim
  std::string finished_at;
  std::string run_after; // not claimable before this time
  bool cancel_requested = false;
  std::string lease_owner; // worker id holding the job while running
  std::string lease_expires_at;
};

// The API form: every field; empty timestamps and keys as null.
void to_json(nlohmann::json &j, const Job &job);

// At most this many field errors are kept in a job's error_details, as a
// synchronous request's 422 problem lists at most that many too.
inline constexpr std::size_t kMaxDetailErrors = 100;

// A failure's error_details: {"errors": [{field, message, line, column}],
// "errors_total": n}, the errors as a 422 problem document lists them (line
// and column null when not from a file), the first kMaxDetailErrors of the
// n found. Null when `e` names no field errors.
nlohmann::json failure_details(const core::Error& e);

// Delay before retry number `attempts` (the attempts already made, >= 1):
// exponential from 2 s, doubling, capped at 5 min, with "equal jitter"
// (half fixed, half random) so a burst of failures does not retry in step.
// `jitter` is a number in [0, 1).
std::chrono::milliseconds retry_delay(int attempts, double jitter);

} // namespace churnwatch::queue
