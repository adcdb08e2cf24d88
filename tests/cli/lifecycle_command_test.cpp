// The lifecycle from the command line: `score` scores active customers only,
// `predict --customer` refuses a departed one, `export --filter status=...`
// selects by lifecycle, and `outcomes` reports how the scores made before a
// departure did once a later file says the customer left.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "cli/cli_process.hpp"

namespace churnwatch {
namespace {

namespace fs = std::filesystem;
using test_support::number_after;
using test_support::run_cli;

class LifecycleCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("churnwatch-cli-lifecycle-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  test_support::CliResult cli(std::vector<std::string> args) {
    args.push_back("--data-dir");
    args.push_back((dir_ / "data").string());
    return run_cli(args, dir_ / "cli.log");
  }
  fs::path dir_;
};

TEST_F(LifecycleCommandTest, ScoresActiveCustomersAndReportsOutcomesOfLaterDepartures) {
  const auto csv = (dir_ / "customers.csv").string();
  ASSERT_EQ(
      run_cli({"demo-data", "--rows", "1500", "--seed", "4", "--output", csv}, dir_ / "demo.log").exit_code,
      0);
  // Split the churners in two: most are known to have left, forty are still
  // customers in the first file and leave in the second.
  std::ifstream in(csv);
  std::string header, line;
  std::getline(in, header);
  std::ostringstream first, later;
  first << header << '\n';
  later << header << '\n';
  int churners = 0;
  std::string leaver;
  while (std::getline(in, line)) {
    if (line.size() > 2 && line.compare(line.size() - 2, 2, ",1") == 0 && ++churners <= 40) {
      later << line << '\n';
      if (leaver.empty())
        leaver = line.substr(line.find(',') + 1, line.find(',', line.find(',') + 1) - line.find(',') - 1);
      line[line.size() - 1] = '0';
    }
    first << line << '\n';
  }
  ASSERT_EQ(churners > 40, true) << header;
  std::ofstream((dir_ / "first.csv").string()) << first.str();
  std::ofstream((dir_ / "later.csv").string()) << later.str();

  ASSERT_EQ(cli({"import", (dir_ / "first.csv").string()}).exit_code, 0);
  auto departed = cli({"export", "--filter", "status=departed"});
  ASSERT_EQ(departed.exit_code, 0) << departed.output;
  const auto departed_rows = std::count(departed.output.begin(), departed.output.end(), '\n') - 1;
  EXPECT_EQ(departed_rows, churners - 40) << departed.output.substr(0, 300);
  ASSERT_EQ(cli({"train", "--search-budget", "1"}).exit_code, 0);
  auto scored = cli({"score"});
  ASSERT_EQ(scored.exit_code, 0) << scored.output;
  EXPECT_EQ(number_after(scored.output, "scored"), 1500 - departed_rows) << scored.output;

  auto none = cli({"outcomes"});
  ASSERT_EQ(none.exit_code, 0) << none.output;
  EXPECT_NE(none.output.find(": 0 scored before they left"), std::string::npos) << none.output;

  ASSERT_EQ(cli({"import", (dir_ / "later.csv").string(), "--mode", "upsert"}).exit_code, 0);
  auto report = cli({"outcomes"});
  ASSERT_EQ(report.exit_code, 0) << report.output;
  EXPECT_NE(report.output.find(": 40 scored before they left, against " +
                               std::to_string(1500 - departed_rows - 40) + " active customers"),
            std::string::npos)
      << report.output;
  EXPECT_NE(report.output.find("roc_auc of the scores before leaving: 0."), std::string::npos)
      << report.output;
  EXPECT_EQ(cli({"outcomes", "--since", "last week"}).exit_code == 0, false);

  ASSERT_FALSE(leaver.empty());
  auto refused = cli({"predict", "--customer", leaver});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("departed"), std::string::npos) << refused.output;
  auto rescored = cli({"score"});
  EXPECT_EQ(number_after(rescored.output, "scored"), 1500 - departed_rows - 40) << rescored.output;
}

}  // namespace
}  // namespace churnwatch
