// Access tokens: JWT signed with HS256 (libjwt). Claims: sub (user id),
// name, role, iat, nbf, exp, iss "churnwatch", jti.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace churnwatch::services {

struct TokenClaims {
  std::int64_t user_id = 0;
  std::string username;
  std::string role;
  std::int64_t expires_at = 0;  // Unix seconds
};

class TokenSigner {
 public:
  // `secret` must be at least 32 bytes. `ttl_seconds` is the access token lifetime.
  TokenSigner(std::string secret, int ttl_seconds);
  std::string issue(std::int64_t user_id, std::string_view username, std::string_view role) const;
  // Throws core::Unauthorized (with a reason) for a malformed token, another
  // algorithm than HS256, a bad signature, a token not yet valid or expired,
  // or one issued by someone else.
  TokenClaims verify(std::string_view token) const;
  int ttl_seconds() const { return ttl_; }

 private:
  std::string secret_;
  int ttl_;
};

}  // namespace churnwatch::services
