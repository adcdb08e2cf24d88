#include "tracking/run_scope.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "tracking/file_tracker.hpp"
#include "tracking_test_support.hpp"

namespace churnwatch::tracking {
namespace {

TEST(RunScope, FinishRecordsTheStatusAndLeavingEarlyRecordsFailed) {
  test_support::ScratchDir dir;
  FileTracker tracker(dir.path());
  std::string finished_id, failed_id;
  {
    RunScope run(tracker, "churn", "ok");
    finished_id = run.handle().run_id;
    run.finish();
    run.finish(RunStatus::kKilled);  // ignored: already ended
  }
  try {
    RunScope run(tracker, "churn", "throws");
    failed_id = run.handle().run_id;
    throw std::runtime_error("training diverged");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(tracker.get_run(finished_id).status, RunStatus::kFinished);
  auto failed = tracker.get_run(failed_id);
  EXPECT_EQ(failed.status, RunStatus::kFailed);
  EXPECT_TRUE(failed.end_time.has_value());
}

}  // namespace
}  // namespace churnwatch::tracking
