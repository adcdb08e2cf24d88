#include "services/accounts.hpp"

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/random.hpp"
#include "services/passwords.hpp"

namespace churnwatch::services {
namespace {

constexpr std::size_t kMinPasswordLength = 10;
constexpr std::size_t kMaxPasswordLength = 1024;

void validate_username(std::string_view u) {
  bool ok = u.size() >= 3 && u.size() <= 64;
  for (char c : u)
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '@' ||
                c == '-');
  if (!ok)
    throw core::Invalid("invalid username",
                        {{"username", "3 to 64 characters: letters, digits, . _ @ -"}});
}

void validate_password(std::string_view p) {
  if (p.size() < kMinPasswordLength || p.size() > kMaxPasswordLength)
    throw core::Invalid("invalid password",
                        {{"password", "must be " + std::to_string(kMinPasswordLength) + " to " +
                                          std::to_string(kMaxPasswordLength) + " characters"}});
}

// A real argon2id hash to verify against when the user does not exist, so an
// unknown username costs as much time as a wrong password.
const std::string& dummy_hash() {
  static const std::string h = hash_password(core::random_hex(16));
  return h;
}

}  // namespace

AccessLevel parse_access_level(std::string_view role) {
  if (role == "viewer") return AccessLevel::kViewer;
  if (role == "analyst") return AccessLevel::kAnalyst;
  if (role == "admin") return AccessLevel::kAdmin;
  throw core::Invalid("unknown role '" + std::string(role) + "'",
                      {{"role", "must be one of: admin, analyst, viewer"}});
}

std::string_view to_string(AccessLevel level) {
  switch (level) {
    case AccessLevel::kAdmin: return "admin";
    case AccessLevel::kAnalyst: return "analyst";
    case AccessLevel::kViewer: return "viewer";
  }
  return "viewer";
}

void require(const Principal& who, AccessLevel needed) {
  if (static_cast<int>(who.level) < static_cast<int>(needed))
    throw core::Forbidden("this action needs the " + std::string(to_string(needed)) +
                          " role; you are " + std::string(to_string(who.level)));
}

LoginResult Accounts::login(std::string_view username, std::string_view password) {
  auto user = store_.find_user(username);
  const bool match = verify_password(user ? user->password_hash : dummy_hash(), password);
  if (!user || !match || !user->active) throw core::Unauthorized("invalid username or password");
  auto refresh = refresh_.issue(user->id);
  return {signer_.issue(user->id, user->username, user->role, user->session_version), signer_.ttl_seconds(),
          *user, refresh.token, refresh.expires_in};
}

LoginResult Accounts::refresh(std::string_view refresh_token) {
  auto next = refresh_.rotate(refresh_token);
  auto user = store_.find_user_by_id(next.user_id);
  if (!user || !user->active) {
    refresh_.revoke_user(next.user_id);
    throw core::Unauthorized("the refresh token's user is deactivated");
  }
  return {signer_.issue(user->id, user->username, user->role, user->session_version), signer_.ttl_seconds(),
          *user, next.token, next.expires_in};
}

void Accounts::logout(std::string_view refresh_token) {
  if (auto user_id = refresh_.revoke_family(refresh_token)) {
    try {
      store_.bump_session_version(*user_id);
    } catch (const core::NotFound&) {  // the user was removed meanwhile: nothing to end
    }
  }
}

void Accounts::end_sessions(std::int64_t user_id) {
  refresh_.revoke_user(user_id);
  store_.bump_session_version(user_id);
}

void Accounts::change_password(std::int64_t user_id, std::string_view current,
                               std::string_view next) {
  auto u = get_user(user_id);
  if (!verify_password(u.password_hash, current))
    throw core::Forbidden("the current password is not correct");
  validate_password(next);
  u.password_hash = hash_password(next);
  store_.update_user(u);
  end_sessions(user_id);
}

std::string Accounts::reset_password(std::int64_t user_id) {
  auto u = get_user(user_id);
  std::string pw = core::random_password();
  u.password_hash = hash_password(pw);
  store_.update_user(u);
  end_sessions(user_id);
  return pw;
}

Principal Accounts::authenticate(std::string_view bearer_token) {
  auto claims = signer_.verify(bearer_token);
  auto user = store_.find_user_by_id(claims.user_id);
  if (!user) throw core::Unauthorized("the token's user no longer exists");
  if (!user->active) throw core::Unauthorized("the token's user is deactivated");
  if (claims.session_version != user->session_version)
    throw core::Unauthorized("the session of this token has ended (signed out, password changed or reset)");
  return {user->id, user->username, parse_access_level(user->role)};
}

storage::User Accounts::create_user(std::string_view username, std::string_view password,
                                    std::string_view role) {
  validate_username(username);
  validate_password(password);
  parse_access_level(role);
  storage::User u;
  u.username = username;
  u.role = role;
  u.password_hash = hash_password(password);
  u.active = true;
  return store_.create_user(u);
}

std::vector<storage::User> Accounts::list_users() { return store_.list_users(); }

storage::User Accounts::get_user(std::int64_t id) {
  auto u = store_.find_user_by_id(id);
  if (!u) throw core::NotFound("no user with id " + std::to_string(id));
  return *u;
}

std::int64_t Accounts::active_admins() {
  std::int64_t n = 0;
  for (const auto& u : store_.list_users()) n += (u.active && u.role == "admin");
  return n;
}

storage::User Accounts::update_user(std::int64_t id, const UserChange& change) {
  auto u = get_user(id);
  const bool was_admin = u.active && u.role == "admin";
  if (change.role) {
    parse_access_level(*change.role);
    u.role = *change.role;
  }
  if (change.active) u.active = *change.active;
  if (change.password) {
    validate_password(*change.password);
    u.password_hash = hash_password(*change.password);
  }
  const bool still_admin = u.active && u.role == "admin";
  if (was_admin && !still_admin && active_admins() <= 1)
    throw core::Conflict("cannot demote or deactivate the last active admin");
  auto stored = store_.update_user(u);
  if (change.password || !stored.active) {
    end_sessions(id);
    stored.session_version = get_user(id).session_version;
  }
  return stored;
}

std::optional<std::string> Accounts::ensure_admin(const std::string& password) {
  if (!store_.list_users().empty()) return std::nullopt;
  std::string pw = password.empty() ? core::random_password() : password;
  create_user("admin", pw, "admin");
  return pw;
}

nlohmann::json user_to_json(const storage::User& u) {
  return {{"id", u.id},         {"username", u.username},     {"role", u.role},
          {"active", u.active}, {"created_at", u.created_at}, {"updated_at", u.updated_at}};
}

}  // namespace churnwatch::services
