// Ends a run however the code that logs it exits: finish() records the
// status given; leaving the scope without finish() (an exception, an early
// return) records FAILED, so no run stays RUNNING forever in the UI.
//
//   tracking::RunScope run(tracker, "churn", "gbdt v7", tags);
//   tracker.log_params(run.handle(), params);
//   ...
//   run.finish();  // FINISHED
#pragma once

#include <string>

#include "tracking/tracker.hpp"

namespace churnwatch::tracking {

class RunScope {
 public:
  // Starts the run (Tracker::start_run); throws what it throws.
  RunScope(Tracker& tracker, const std::string& experiment_name, const std::string& run_name,
           const Tags& tags = {});
  // Ends the run as FAILED unless finish() ran. Never throws: a tracking
  // failure here is logged, not allowed to mask the exception in flight.
  ~RunScope();
  RunScope(const RunScope&) = delete;
  RunScope& operator=(const RunScope&) = delete;

  const RunHandle& handle() const { return handle_; }
  // Ends the run with `status`; later calls do nothing.
  void finish(RunStatus status = RunStatus::kFinished);

 private:
  Tracker& tracker_;
  RunHandle handle_;
  bool finished_ = false;
};

}  // namespace churnwatch::tracking
