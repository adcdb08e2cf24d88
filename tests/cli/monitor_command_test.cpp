// `churnwatch monitor` as an operator runs it: the real binary on a data
// folder that was filled and trained with the real binary, alert rules in
// the store, and the strict local Discord stand-in on loopback. Checks the
// printed report, the exit code, what Discord received and what the outbox
// recorded; a second run within the cooldown posts nothing again, and a
// deleted webhook makes the run exit with code 2.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "alerts/discord_standin.hpp"
#include "cli/cli_process.hpp"
#include "services/alert_rules.hpp"
#include "services/secret_box.hpp"
#include "storage/store.hpp"

namespace churnwatch {
namespace {

using alerts::testing::DiscordStandin;
using test_support::CliEnv;
using test_support::CliResult;
using test_support::number_after;
using test_support::run_cli;
namespace fs = std::filesystem;

constexpr int kCustomers = 400;

class MonitorCommandTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // One trained data folder for the suite: demo customers imported and a
    // production model trained, all through the binary.
    base_ = fs::temp_directory_path() / ("churnwatch-monitor-base-" + std::to_string(::getpid()));
    fs::remove_all(base_);
    fs::create_directories(base_);
    const std::string dir = base_.string();
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"demo-data", "--rows", std::to_string(kCustomers), "--seed", "5", "-o",
                                   dir + "/customers.csv"},
          {"import", dir + "/customers.csv", "--data-dir", dir},
          {"train", "--search-budget", "1", "--data-dir", dir}}) {
      const CliResult r = run_cli(args, base_ / "setup.log", env());
      ASSERT_EQ(r.exit_code, 0) << args[0] << " failed:\n" << r.output;
    }
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(base_, ec);
  }
  static CliEnv env() {
    return {{"CHURNWATCH_WEBHOOK_ALLOW_HOSTS", "127.0.0.1"},
            {"CHURNWATCH_LOG_LEVEL", "warn"},
            {"CHURNWATCH_SECRET_KEY", std::nullopt},
            {"CHURNWATCH_DATABASE_URL", std::nullopt},
            {"CHURNWATCH_PUBLIC_URL", "https://churn.example.com"},
            {"MLFLOW_TRACKING_URI", std::nullopt}};
  }

  void SetUp() override {
    if (HasFatalFailure()) return;
    dir_ = fs::temp_directory_path() / ("churnwatch-monitor-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::copy(base_, dir_, fs::copy_options::recursive);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Adds a rule as the API would: validated, its webhook sealed with the data
  // folder's key, which the binary then opens with the same key file.
  void add_rule(const nlohmann::json& body) {
    auto store = storage::open_store((dir_ / "churnwatch.db").string());
    const auto box = services::SecretBox::load("", dir_);
    alerts::WebhookUrlPolicy policy;
    policy.allowed_hosts.push_back("127.0.0.1");
    services::AlertRules(*store, box, policy).create(body, "test");
  }
  std::int64_t events(const std::string& state) {
    auto store = storage::open_store((dir_ / "churnwatch.db").string());
    storage::AlertEventQuery q;
    q.state = state;
    return store->list_alert_events(q).total;
  }
  // Monitoring scores these; departed customers are never scored.
  std::int64_t active_customers() {
    auto store = storage::open_store((dir_ / "churnwatch.db").string());
    storage::CustomerQuery q;
    q.status = storage::StatusFilter::kActive;
    return store->list_customers(q).total;
  }
  CliResult monitor() {
    return run_cli({"monitor", "--data-dir", dir_.string(), "--deliver-seconds", "60"}, dir_ / "monitor.log",
                   env());
  }

  static inline fs::path base_;
  fs::path dir_;
  DiscordStandin standin_{DiscordStandin::Options{50, std::chrono::milliseconds(1000)}};
};

TEST_F(MonitorCommandTest, ScoresEveryoneRaisesAlertsAndDeliversThemOnce) {
  add_rule({{"name", "high risk"},
            {"kind", "high_risk"},
            {"threshold", 0.3},
            {"webhook_url", standin_.url()},
            {"cooldown_seconds", 86400}});

  const CliResult first = monitor();
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_EQ(number_after(first.output, "scored"), active_customers()) << first.output;
  EXPECT_LT(active_customers(), kCustomers);
  const std::int64_t matched = number_after(first.output, R"(high risk \(high_risk\): matched)");
  ASSERT_GT(matched, 0) << "the demo customers include some above 30 % risk:\n" << first.output;
  EXPECT_EQ(number_after(first.output, "queued"), matched) << "one alert per matched customer";
  EXPECT_EQ(number_after(first.output, "alerts and"), 1) << "and one run summary:\n" << first.output;
  EXPECT_EQ(number_after(first.output, "delivered"), matched + 1) << first.output;
  EXPECT_EQ(first.output.find("failed"), std::string::npos) << first.output;
  EXPECT_EQ(first.output.find("retried"), std::string::npos) << first.output;

  // Discord got every alert, batched, each message within its limits (the
  // stand-in refuses any message over a limit with 400, and a client that
  // ignores its rate limit with 429).
  std::size_t embeds = 0;
  for (const auto& m : standin_.received()) embeds += m["embeds"].size();
  EXPECT_EQ(static_cast<std::int64_t>(embeds), matched + 1);
  EXPECT_LT(standin_.received().size(), embeds) << "many customers share a message";
  EXPECT_EQ(number_after(first.output, R"(run summaries\) in)"),
            static_cast<std::int64_t>(standin_.received().size()));
  for (const auto& hit : standin_.hits()) EXPECT_LT(hit.status, 300) << hit.webhook_id;
  EXPECT_EQ(standin_.enforced_429s(), 0);
  EXPECT_EQ(events("delivered"), matched + 1);
  EXPECT_NE(standin_.received().front().dump().find("https://churn.example.com/customers/"),
            std::string::npos)
      << "alerts link back to the customer page";

  // Within the cooldown, a second run raises and posts nothing.
  const auto messages_before = standin_.received().size();
  const CliResult second = monitor();
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_EQ(number_after(second.output, "cooling"), matched) << second.output;
  EXPECT_EQ(number_after(second.output, "queued"), 0) << second.output;
  EXPECT_EQ(number_after(second.output, "alerts and"), 0) << "no summary of nothing";
  EXPECT_EQ(events("delivered"), matched + 1);
  EXPECT_EQ(standin_.received().size(), messages_before);
}

TEST_F(MonitorCommandTest, ADeletedWebhookFailsTheRunWithExitCodeTwo) {
  // A webhook Discord does not know answers 404: a permanent failure.
  std::string gone = standin_.url();
  gone.replace(gone.find(DiscordStandin::kDefaultId), std::string(DiscordStandin::kDefaultId).size(),
               "998877665544332211");
  add_rule({{"name", "gone"}, {"kind", "high_risk"}, {"threshold", 0.3}, {"webhook_url", gone}});

  const CliResult r = monitor();
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("failed (see /api/v1/alerts/events?state=failed)"), std::string::npos) << r.output;
  EXPECT_GT(events("failed"), 0);
  EXPECT_EQ(events("delivered"), 0);
  EXPECT_EQ(events("pending"), 0) << "nothing is left to retry after a 404";
}

}  // namespace
}  // namespace churnwatch
