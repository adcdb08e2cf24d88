#include "tracking/run_scope.hpp"

#include <spdlog/spdlog.h>

namespace churnwatch::tracking {

RunScope::RunScope(Tracker& tracker, const std::string& experiment_name, const std::string& run_name,
                   const Tags& tags)
    : tracker_(tracker), handle_(tracker.start_run(experiment_name, run_name, tags)) {}

RunScope::~RunScope() {
  if (finished_) return;
  try {
    tracker_.end_run(handle_, RunStatus::kFailed);
  } catch (const std::exception& e) {
    spdlog::warn("could not mark tracking run {} as FAILED at {}: {}", handle_.run_id, tracker_.location(),
                 e.what());
  }
}

void RunScope::finish(RunStatus status) {
  if (finished_) return;
  finished_ = true;  // set first: a failing end_run must not be retried as FAILED by the destructor
  tracker_.end_run(handle_, status);
}

}  // namespace churnwatch::tracking
