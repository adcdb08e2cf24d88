// Access tokens: JWT signed with HS256 (libjwt). Claims: sub (user id),
// name, role, sv (the user's session version when issued), iat, nbf, exp,
// iss "churnwatch", jti.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace churnwatch::services {

struct TokenClaims {
  std::int64_t user_id = 0;
  std::string username;
  std::string role;
  std::int64_t expires_at = 0; // Unix seconds
  // storage::User::session_version at issue; a token is only good while it
  // matches (Accounts::authenticate). 0 for tokens without the claim.
  std::int64_t session_version = 0;
};

class TokenSigner {
public:
  // `secret` must be at least 32 bytes. `ttl_seconds` is the access token
  // lifetime.
  TokenSigner(std::string secret, int ttl_seconds);
  std::string issue(std::int64_t user_id, std::string_view username, std::string_view role,
                    std::int64_t session_version = 0) const;
  // Throws core::Unauthorized (with a reason) for a malformed token, another
  // algorithm than HS256, a bad signature, a token not yet valid or expired,
  // or one issued by someone else. Thread-safe. A token that verified once
  // is remembered until it expires, so the signature check and claim parsing
  // run once per token rather than once per request; expiry is checked on
  // every call.
  TokenClaims verify(std::string_view token) const;
  int ttl_seconds() const { return ttl_; }

private:
  using Digest = std::array<unsigned char, 32>;
  struct DigestHash {
    std::size_t operator()(const Digest &d) const noexcept;
  };
  TokenClaims decode(std::string_view token) const;
  Digest digest(std::string_view token) const;

  // At most this many verified tokens are remembered; the set is emptied when
  // full.
  static constexpr std::size_t kMaxRemembered = 8192;

  std::string secret_;
  int ttl_;
  // Keyed by a keyed hash of the token (key random per process), so lookups
  // compare digests and reveal nothing about remembered tokens through timing.
  std::array<unsigned char, 32> cache_key_{};
  mutable std::mutex mu_;
  mutable std::unordered_map<Digest, TokenClaims, DigestHash> verified_;
};

} // namespace churnwatch::services
