// Users, roles and sign-in. Roles are ordered: viewer (read only) < analyst
// (also writes customers, imports, trains, scores) < admin (also manages
// users). Every API route names the least role it needs (see the OpenAPI
// document's x-required-role).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/refresh_tokens.hpp"
#include "services/tokens.hpp"
#include "storage/store.hpp"

namespace churnwatch::services {

enum class AccessLevel { kViewer = 0, kAnalyst = 1, kAdmin = 2 };

// Parses "viewer" | "analyst" | "admin"; throws Invalid otherwise.
AccessLevel parse_access_level(std::string_view role);
std::string_view to_string(AccessLevel level);

struct Principal {
  std::int64_t user_id = 0;
  std::string username;
  AccessLevel level = AccessLevel::kViewer;
};

// Throws Forbidden when `who` is below `needed`.
void require(const Principal& who, AccessLevel needed);

struct LoginResult {
  std::string access_token;
  int expires_in = 0;
  storage::User user;
  std::string refresh_token;  // see services/refresh_tokens.hpp
  int refresh_expires_in = 0;
};

struct UserChange {
  std::optional<std::string> role;
  std::optional<bool> active;
  std::optional<std::string> password;
};

class Accounts {
 public:
  Accounts(storage::Store& store, const TokenSigner& signer,
           int refresh_ttl_seconds = kDefaultRefreshTtlSeconds)
      : store_(store), signer_(signer), refresh_(store, refresh_ttl_seconds) {}

  // Throws Unauthorized("invalid username or password") for an unknown user,
  // a wrong password or a deactivated account, in the same time for each.
  // Starts a new refresh token family.
  LoginResult login(std::string_view username, std::string_view password);
  // Rotates the refresh token (RefreshTokens::rotate) and issues a new
  // access token. Unauthorized when the user is gone or deactivated.
  LoginResult refresh(std::string_view refresh_token);
  // Revokes the sign-in `refresh_token` belongs to and ends every access
  // token of its user issued so far (other sign-ins get new ones from their
  // refresh tokens); unknown tokens are ignored.
  void logout(std::string_view refresh_token);
  // Self-service: Forbidden when `current` is wrong; validates `next` like
  // create_user. Signs the user out everywhere (end_sessions).
  void change_password(std::int64_t user_id, std::string_view current, std::string_view next);
  // Sets a generated password and returns it (shown once); signs the user
  // out everywhere.
  std::string reset_password(std::int64_t user_id);

  // Ends every session of the user: revokes the refresh tokens and bumps the
  // session version, so every access token issued so far is refused by
  // authenticate() on every server sharing the database.
  void end_sessions(std::int64_t user_id);

  // Resolves a bearer token to a live user. The role and session version
  // come from the store, so a role change, deactivation or sign-out takes
  // effect on the next request.
  Principal authenticate(std::string_view bearer_token);

  // Validates (username 3-64 of [A-Za-z0-9._@-], password >= 10 characters,
  // a known role) and stores. Conflict when the username is taken.
  storage::User create_user(std::string_view username, std::string_view password,
                            std::string_view role);
  std::vector<storage::User> list_users();
  storage::User get_user(std::int64_t id);
  // Refuses (Conflict) to demote or deactivate the last active admin. A
  // password change or deactivation ends the user's sessions.
  storage::User update_user(std::int64_t id, const UserChange& change);

  // On a store with no users, creates "admin" with `password` (random when
  // empty) and returns the password; otherwise nullopt.
  std::optional<std::string> ensure_admin(const std::string& password);

 private:
  std::int64_t active_admins();

  storage::Store& store_;
  const TokenSigner& signer_;
  RefreshTokens refresh_;
};

// The user as the API shows it (never the password hash).
nlohmann::json user_to_json(const storage::User& u);

}  // namespace churnwatch::services
