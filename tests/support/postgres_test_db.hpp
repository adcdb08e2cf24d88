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

}  // namespace churnwatch::test_support
