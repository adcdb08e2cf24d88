#include "services/refresh_tokens.hpp"

#include <sodium.h>

#include <chrono>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/random.hpp"

namespace churnwatch::services {
namespace {

constexpr std::size_t kTokenBytes = 32;
constexpr std::size_t kFamilyBytes = 16;

bool well_formed(std::string_view token) {
  if (token.size() != 2 * kTokenBytes) return false;
  for (char c : token)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

std::string sha256_hex(std::string_view text) {
  core::ensure_sodium();
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char *>(text.data()), text.size());
  char hex[2 * crypto_hash_sha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

IssuedRefreshToken RefreshTokens::create(std::int64_t user_id, const std::string &family) {
  IssuedRefreshToken out{core::random_hex(kTokenBytes), ttl_, user_id};
  storage::RefreshToken row;
  row.user_id = user_id;
  row.family = family;
  row.token_hash = sha256_hex(out.token);
  row.expires_at = core::to_iso8601(std::chrono::system_clock::now() + std::chrono::seconds(ttl_));
  store_.create_refresh_token(row);
  return out;
}

IssuedRefreshToken RefreshTokens::issue(std::int64_t user_id) {
  return create(user_id, core::random_hex(kFamilyBytes));
}

IssuedRefreshToken RefreshTokens::rotate(std::string_view token) {
  if (!well_formed(token)) throw core::Unauthorized("malformed refresh token");
  auto row = store_.find_refresh_token(sha256_hex(token));
  if (!row) throw core::Unauthorized("unknown refresh token");
  if (!row->revoked_at.empty() || !store_.revoke_refresh_token(row->id)) {
    store_.revoke_refresh_family(row->family);
    // A replayed token was probably stolen: the access tokens it may have
    // bought end too.
    try {
      store_.bump_session_version(row->user_id);
    } catch (const core::NotFound&) {
    }
    throw core::Unauthorized(
        "refresh token already used; every session from "
        "that sign-in is now revoked");
  }
  if (row->expires_at <= core::now_iso8601()) throw core::Unauthorized("refresh token expired");
  return create(row->user_id, row->family);
}

std::optional<std::int64_t> RefreshTokens::revoke_family(std::string_view token) {
  if (!well_formed(token)) return std::nullopt;
  auto row = store_.find_refresh_token(sha256_hex(token));
  if (!row) return std::nullopt;
  store_.revoke_refresh_family(row->family);
  return row->user_id;
}

void RefreshTokens::revoke_user(std::int64_t user_id) { store_.revoke_user_refresh_tokens(user_id); }

}  // namespace churnwatch::services
