// A `churnwatch worker` killed with SIGKILL in the middle of a training job
// loses nothing: another worker picks the job up once its lease expires and
// trains it to the end, and exactly one model version results.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <thread>

#include "cli/cli_process.hpp"
#include "queue/job_queue.hpp"
#include "services/customer_io.hpp"
#include "services/demo_data.hpp"
#include "services/model_jobs.hpp"
#include "services/training_record.hpp"
#include "storage/store.hpp"
#include "tracking/file_tracker.hpp"

namespace churnwatch {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// Customers and search candidates: enough that the cross-validated search
// runs for seconds, so the worker can be killed in the middle of it.
constexpr int kCustomers = 20'000;
constexpr int kSearchBudget = 12;

class TrainCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("churnwatch-train-crash-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    test_support::kill_and_reap(first_);
    test_support::kill_and_reap(second_);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  fs::path dir_;
  pid_t first_ = -1, second_ = -1;
};

TEST_F(TrainCrashTest, KilledWorkersTrainingIsFinishedByAnotherWorkerWithOneModelVersion) {
  auto store = storage::open_store((dir_ / "churnwatch.db").string());
  {
    std::stringstream csv;
    services::write_demo_csv(csv, kCustomers, 3);
    services::import_csv(*store, csv, {});
  }
  auto jobs = queue::open_job_queue((dir_ / "jobs.db").string());
  services::ModelService models(*store, dir_ / "models");
  services::ScoringService scoring(*store, models);
  services::ModelJobs model_jobs(*store, *jobs, models, scoring);
  const auto job =
      model_jobs.start_training({{"search_budget", kSearchBudget}, {"seed", 5}}, {.created_by = "test"});

  first_ = test_support::spawn_worker(dir_);
  auto running = test_support::wait_for_job(
      *jobs, job.id,
      [](const queue::Job& j) { return j.state != queue::JobState::kQueued && j.progress > 0.1; }, 120s);
  ASSERT_EQ(running.state, queue::JobState::kRunning)
      << "the first worker did not get into the training in time";
  ASSERT_LT(running.progress, 0.9) << "killed too late to be mid-training: " << running.message;
  test_support::kill_and_reap(first_);
  EXPECT_TRUE(store->list_models().empty()) << "the killed training registered nothing";

  second_ = test_support::spawn_worker(dir_);
  auto done = test_support::wait_for_job(
      *jobs, job.id, [](const queue::Job& j) { return queue::is_terminal(j.state); }, 600s);
  ASSERT_EQ(done.state, queue::JobState::kSucceeded) << done.error;
  EXPECT_EQ(done.attempts, 2);
  EXPECT_EQ(done.result["model"]["version"], 1);

  const auto versions = store->list_models();
  ASSERT_EQ(versions.size(), 1u) << "exactly one model version";
  EXPECT_EQ(versions[0].source, "job:" + job.id);
  EXPECT_EQ(versions[0].stage, "production");
  std::vector<std::string> folders;
  for (const auto& e : fs::directory_iterator(dir_ / "models"))
    folders.push_back(e.path().filename().string());
  EXPECT_EQ(folders, std::vector<std::string>{"v1"}) << "no half-written bundle is left behind";

  // Both attempts are in the experiment record; only the second produced a model.
  tracking::FileTracker tracker(dir_ / "mlruns");
  const auto runs = tracker.list_runs(services::kTrainingExperiment, 10);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].status, tracking::RunStatus::kFinished);
  EXPECT_EQ(runs[0].tags.at(services::kTagModelVersion), "1");
  EXPECT_EQ(runs[1].status, tracking::RunStatus::kRunning) << "the killed attempt never ended its run";
  EXPECT_EQ(runs[1].tags.count(services::kTagModelVersion), 0u);
  EXPECT_EQ(runs[0].tags.at(services::kTagSource), "job:" + job.id);
}

}  // namespace
}  // namespace churnwatch
