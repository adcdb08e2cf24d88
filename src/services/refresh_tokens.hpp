// Refresh tokens: 32 random bytes handed to the client once and kept only as
// a SHA-256 hash. Every use rotates the token (the old one is revoked, a new
// one joins the same family); presenting a revoked token means it was stolen
// or replayed, so the whole family is revoked.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/store.hpp"

namespace churnwatch::services {

constexpr int kDefaultRefreshTtlSeconds = 7 * 24 * 3600;

struct IssuedRefreshToken {
  std::string token;   // 64 hex characters; shown to the client only now
  int expires_in = 0;  // seconds
  std::int64_t user_id = 0;
};

class RefreshTokens {
 public:
  RefreshTokens(storage::Store &store, int ttl_seconds) : store_(store), ttl_(ttl_seconds) {}

  // A token starting a new family (a new sign-in).
  IssuedRefreshToken issue(std::int64_t user_id);
  // Revokes `token` and returns its successor in the same family. Throws
  // Unauthorized for an unknown or expired token, and for a revoked one after
  // revoking its family (reuse detection). Of two concurrent rotations of
  // one token, one wins and the other counts as reuse.
  IssuedRefreshToken rotate(std::string_view token);
  // Revokes the family of `token` (sign-out) and returns its user; unknown
  // tokens are ignored (nullopt).
  std::optional<std::int64_t> revoke_family(std::string_view token);
  // Revokes every token of the user (password change, deactivation).
  void revoke_user(std::int64_t user_id);

  int ttl_seconds() const { return ttl_; }

 private:
  IssuedRefreshToken create(std::int64_t user_id, const std::string &family);

  storage::Store &store_;
  int ttl_;
};

// Lower-case hex SHA-256 of `text`.
std::string sha256_hex(std::string_view text);

}  // namespace churnwatch::services
