// churnwatch user ...: changes made from the command line are audited, and a
// password set there signs the user out of every browser and API client.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "services/refresh_tokens.hpp"
#include "storage/store.hpp"

namespace churnwatch {
namespace {

namespace fs = std::filesystem;

int run(const std::string& args) {
  const std::string cmd = std::string(CHURNWATCH_BINARY) + " " + args + " >/dev/null 2>&1";
  return std::system(cmd.c_str());
}

TEST(UserCommandTest, ChangesAreAuditedAndANewPasswordRevokesSessions) {
  const fs::path dir = fs::temp_directory_path() / ("churnwatch-cli-user-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const std::string data = " --data-dir " + dir.string();
  ASSERT_EQ(run("user create --username erin --password erin-password-1 --role analyst" + data), 0);

  std::string token;
  {
    auto store = storage::open_store((dir / "churnwatch.db").string());
    services::RefreshTokens tokens(*store, 3600);
    token = tokens.issue(store->find_user("erin")->id).token;
  }
  ASSERT_EQ(run("user set-password --username erin --password erin-password-2" + data), 0);
  ASSERT_EQ(run("user set-role --username erin --role viewer" + data), 0);

  auto store = storage::open_store((dir / "churnwatch.db").string());
  EXPECT_FALSE(store->find_refresh_token(services::sha256_hex(token))->revoked_at.empty());
  auto audit = store->list_audit({});
  ASSERT_EQ(audit.total, 3);
  EXPECT_EQ(audit.items[0].action, "users.role");
  EXPECT_EQ(audit.items[1].action, "users.password");
  EXPECT_EQ(audit.items[2].action, "users.create");
  EXPECT_EQ(audit.items[2].actor.rfind("cli:", 0), 0u);
  EXPECT_EQ(audit.items[2].details["username"], "erin");
  store.reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace churnwatch
