// An import on PostgreSQL is all or nothing even when it is cut off: the
// server restarted under a running `churnwatch import`, or the import process
// killed, leaves the customers exactly as before; a rerun then imports them
// all. Skips without a test server (see support/postgres_test_db.hpp).
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cli/cli_process.hpp"
#include "storage/store.hpp"
#include "support/postgres_test_db.hpp"

namespace churnwatch {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// Enough rows that the import runs for a while on any machine.
constexpr int kRows = 150'000;
constexpr int kBefore = 3;

class PostgresImportFaultTest : public ::testing::Test {
protected:
  void SetUp() override {
    if (!test_support::postgres_admin_url())
      GTEST_SKIP() << test_support::kPostgresSkipMessage;
    dir_ = fs::temp_directory_path() /
           ("churnwatch-pgfault-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }

  // Writes the CSV and seeds the database at `url` with kBefore customers.
  void prepare(const std::string &url) {
    url_ = url;
    std::ofstream csv(dir_ / "customers.csv");
    csv << "CustomerId,Age,Balance,Geography,Exited\n";
    const char *countries[] = {"France", "Spain", "Germany"};
    for (int i = 0; i < kRows; ++i) {
      csv << 10'000'000 + i << ',' << 18 + i % 70 << ',' << i % 100'000
          << ".5," << countries[i % 3] << ',' << i % 2 << '\n';
    }
    // Customers that were there before the import.
    auto store = storage::open_store(url_);
    auto w = store->begin_write(storage::WriteMode::kInsert);
    for (int i = 0; i < kBefore; ++i) {
      core::Customer c;
      c.external_id = "before-" + std::to_string(i);
      c.attributes = {{"CustomerId", c.external_id}, {"Age", 30}};
      w->put(c);
    }
    w->commit();
  }
  void TearDown() override {
    test_support::kill_and_reap(pid_);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Starts `churnwatch import` of the generated file into the test database.
  void start_import() {
    pid_ = test_support::spawn_cli({"import", (dir_ / "customers.csv").string(), "--data-dir", dir_.string(),
                                    "--database-url", url_},
                                   dir_ / "import.log", {{"CHURNWATCH_LOG_LEVEL", "warn"}});
  }

  // Waits until the import is streaming rows (its session of the test
  // database runs the COPY). False if the import ended before.
  bool wait_until_writing() {
    PGconn *conn = PQconnectdb(url_.c_str());
    bool writing = false;
    const auto until = std::chrono::steady_clock::now() + 120s;
    while (!writing && std::chrono::steady_clock::now() < until) {
      PGresult *r = PQexec(conn, "SELECT COUNT(*) FROM pg_stat_activity WHERE datname ="
                                 " current_database() AND query LIKE 'COPY cw_import%'");
      writing = PQresultStatus(r) == PGRES_TUPLES_OK && std::atoi(PQgetvalue(r, 0, 0)) > 0;
      PQclear(r);
      if (!writing) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
          pid_ = -1;
          break;
        }
        std::this_thread::sleep_for(5ms);
      }
    }
    PQfinish(conn);
    return writing;
  }

  // Exit status of the import; waits for it.
  int wait_import() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

  std::int64_t count() { return storage::open_store(url_)->count_customers(); }

  std::string log() {
    std::ifstream in(dir_ / "import.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  fs::path dir_;
  std::string url_;
  pid_t pid_ = -1;
};

TEST_F(PostgresImportFaultTest, ServerRestartedDuringAnImportLeavesTheDataAsBefore) {
  // A server of its own: restarting the shared one would break other tests.
  test_support::PrivatePostgres server;
  ASSERT_FALSE(server.url().empty()) << "the private PostgreSQL did not start";
  prepare(server.url());
  start_import();
  ASSERT_TRUE(wait_until_writing()) << "the import never started writing:\n" << log();
  ASSERT_TRUE(server.pg_ctl("restart"));
  int status = wait_import();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0)
      << "the import was expected to fail when its server restarted; status " << status
      << "\n" << log();
  EXPECT_EQ(count(), kBefore) << "a cut-off import left part of its rows";

  start_import();
  status = wait_import();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << log();
  EXPECT_EQ(count(), kBefore + kRows);
}

TEST_F(PostgresImportFaultTest, KilledImportLeavesTheDataAsBefore) {
  prepare(test_support::fresh_postgres_database());
  start_import();
  ASSERT_TRUE(wait_until_writing()) << "the import never started writing:\n" << log();
  ::kill(pid_, SIGKILL);
  wait_import();
  EXPECT_EQ(count(), kBefore) << "a killed import left part of its rows";

  // The server notices the lost connection and frees the write lock, so a
  // rerun goes through.
  start_import();
  int status = wait_import();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << log();
  EXPECT_EQ(count(), kBefore + kRows);
}

} // namespace
} // namespace churnwatch
