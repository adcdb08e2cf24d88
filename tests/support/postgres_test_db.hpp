// Throw-away PostgreSQL databases for tests. CHURNWATCH_TEST_POSTGRES_URL
// names a database of a role that may create databases
// (scripts/test-services.sh starts a private server and prints it); without
// it the PostgreSQL tests skip with kPostgresSkipMessage. Every database a
// test program creates is dropped when the program ends, so tests run in
// parallel processes (ctest -j) never share one.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace churnwatch::test_support {

inline constexpr const char* kPostgresSkipMessage =
    "PostgreSQL tests skipped: set CHURNWATCH_TEST_POSTGRES_URL (eval \"$(scripts/test-services.sh "
    "start)\" starts a private server; make test does so)";

// The admin URL, or nullptr when no server was given.
inline const char* postgres_admin_url() {
  const char* url = std::getenv("CHURNWATCH_TEST_POSTGRES_URL");
  return url && *url ? url : nullptr;
}

// Runs one statement on the admin database; fails the test on error.
inline void postgres_admin_exec(const std::string& sql) {
  PGconn* conn = PQconnectdb(postgres_admin_url());
  if (PQstatus(conn) != CONNECTION_OK) {
    ADD_FAILURE() << "cannot reach the test PostgreSQL: " << PQerrorMessage(conn);
    PQfinish(conn);
    return;
  }
  PGresult* r = PQexec(conn, sql.c_str());
  EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << sql << ": " << PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(conn);
}

// `url` with its database name replaced by `db` (query kept).
inline std::string postgres_url_with_database(const std::string& url, const std::string& db) {
  auto host = url.find("://") + 3;
  auto slash = url.find('/', host);
  auto query = url.find('?', host);
  std::string tail = query == std::string::npos ? "" : url.substr(query);
  std::string head = url.substr(0, std::min(slash, query));
  return head + "/" + db + tail;
}

namespace detail {

struct CreatedDatabases {
  std::mutex mu;
  std::vector<std::string> names;
};

inline CreatedDatabases& created_databases() {
  static CreatedDatabases c;
  return c;
}

class DropPostgresDatabases : public ::testing::Environment {
 public:
  void TearDown() override {
    if (!postgres_admin_url()) return;
    auto& c = created_databases();
    std::lock_guard lock(c.mu);
    for (const auto& db : c.names) postgres_admin_exec("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
    c.names.clear();
  }
};

// Registered once per program, however many files include this header.
inline ::testing::Environment* const kDropPostgresDatabases =
    ::testing::AddGlobalTestEnvironment(new DropPostgresDatabases);

}  // namespace detail

// The URL of a new, empty database; "" without a server.
inline std::string fresh_postgres_database() {
  if (!postgres_admin_url()) return "";
  auto& c = detail::created_databases();
  std::string db;
  {
    std::lock_guard lock(c.mu);
    db = "cw_test_" + std::to_string(::getpid()) + "_" + std::to_string(c.names.size() + 1);
    c.names.push_back(db);
  }
  postgres_admin_exec("CREATE DATABASE " + db);
  return postgres_url_with_database(postgres_admin_url(), db);
}

// A PostgreSQL server of the test's own (scripts/test-services.sh in a
// private folder), for tests that restart or stop the server: doing that to
// the shared one would break the tests running beside them under ctest -j.
// Stopped and removed when destroyed. Use only when postgres_admin_url() is
// set (the tests skip otherwise, like every PostgreSQL test).
class PrivatePostgres {
 public:
  PrivatePostgres() {
    static int counter = 0;
    dir_ = "/tmp/churnwatch-pg-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
    std::string out;
    if (FILE* p = ::popen((prefix() + " start").c_str(), "r")) {
      char buf[512];
      while (std::fgets(buf, sizeof buf, p)) out += buf;
      ::pclose(p);
    }
    url_ = exported(out, "CHURNWATCH_TEST_POSTGRES_URL");
    ctl_ = exported(out, "CHURNWATCH_TEST_POSTGRES_CTL");
  }
  ~PrivatePostgres() { (void)std::system((prefix() + " stop >/dev/null 2>&1").c_str()); }
  PrivatePostgres(const PrivatePostgres&) = delete;
  PrivatePostgres& operator=(const PrivatePostgres&) = delete;

  // "" when the server did not start.
  const std::string& url() const { return url_; }
  // Runs `pg_ctl <verb>` on the server (restart, stop, start); true on success.
  bool pg_ctl(const std::string& verb) const {
    return !ctl_.empty() && std::system((ctl_ + " " + verb + " >/dev/null").c_str()) == 0;
  }

 private:
  std::string prefix() const {
    return "CHURNWATCH_TEST_SERVICES_DIR='" + dir_ + "' '" CHURNWATCH_SOURCE_DIR
           "/scripts/test-services.sh'";
  }
  // The value of `export NAME='value'` in the script's output.
  static std::string exported(const std::string& out, const std::string& name) {
    const std::string key = "export " + name + "='";
    auto at = out.find(key);
    if (at == std::string::npos) return "";
    at += key.size();
    auto end = out.find("'\n", at);
    return end == std::string::npos ? "" : out.substr(at, end - at);
  }

  std::string dir_, url_, ctl_;
};

}  // namespace churnwatch::test_support
