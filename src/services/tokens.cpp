#include "services/tokens.hpp"

#include <jwt.h>
#include <sodium.h>

#include <cstdlib>
#include <cstring>
#include <memory>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/random.hpp"

namespace churnwatch::services {
namespace {

constexpr const char *kIssuer = "churnwatch";
constexpr std::int64_t kClockSkewSeconds = 30;

struct JwtDeleter {
  void operator()(jwt_t *j) const { jwt_free(j); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

} // namespace

TokenSigner::TokenSigner(std::string secret, int ttl_seconds)
    : secret_(std::move(secret)), ttl_(ttl_seconds) {
  if (secret_.size() < 32)
    throw core::Invalid("the JWT secret must be at least 32 bytes");
  if (sodium_init() < 0)
    throw core::Unavailable("libsodium could not be initialised");
  randombytes_buf(cache_key_.data(), cache_key_.size());
}

std::size_t
TokenSigner::DigestHash::operator()(const Digest &d) const noexcept {
  // The digest is already uniformly distributed: its first bytes are the hash.
  std::size_t h = 0;
  std::memcpy(&h, d.data(), sizeof h);
  return h;
}

TokenSigner::Digest TokenSigner::digest(std::string_view token) const {
  Digest out{};
  crypto_generichash(out.data(), out.size(),
                     reinterpret_cast<const unsigned char *>(token.data()),
                     token.size(), cache_key_.data(), cache_key_.size());
  return out;
}

TokenClaims TokenSigner::verify(std::string_view token) const {
  if (token.empty() || token.size() > 4096)
    throw core::Unauthorized("malformed access token");
  const Digest key = digest(token);
  {
    std::lock_guard lock(mu_);
    auto it = verified_.find(key);
    if (it != verified_.end()) {
      if (core::now_unix() < it->second.expires_at)
        return it->second;
      verified_.erase(it);
      throw core::Unauthorized("access token expired");
    }
  }
  TokenClaims claims = decode(token);
  std::lock_guard lock(mu_);
  if (verified_.size() >= kMaxRemembered)
    verified_.clear();
  verified_.emplace(key, claims);
  return claims;
}

std::string TokenSigner::issue(std::int64_t user_id, std::string_view username, std::string_view role,
                               std::int64_t session_version) const {
  jwt_t *raw = nullptr;
  if (jwt_new(&raw) != 0)
    throw core::Unavailable("could not create a token");
  JwtPtr jwt(raw);
  const auto now = core::now_unix();
  const std::string sub = std::to_string(user_id);
  const std::string name(username), r(role), jti = core::random_hex(12);
  bool ok =
      jwt_add_grant(jwt.get(), "iss", kIssuer) == 0 && jwt_add_grant(jwt.get(), "sub", sub.c_str()) == 0 &&
      jwt_add_grant(jwt.get(), "name", name.c_str()) == 0 &&
      jwt_add_grant(jwt.get(), "role", r.c_str()) == 0 && jwt_add_grant(jwt.get(), "jti", jti.c_str()) == 0 &&
      jwt_add_grant_int(jwt.get(), "sv", static_cast<long>(session_version)) == 0 &&
      jwt_add_grant_int(jwt.get(), "iat", now) == 0 && jwt_add_grant_int(jwt.get(), "nbf", now) == 0 &&
      jwt_add_grant_int(jwt.get(), "exp", now + ttl_) == 0 &&
      jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret_.data()),
                  static_cast<int>(secret_.size())) == 0;
  if (!ok)
    throw core::Unavailable("could not sign a token");
  char *encoded = jwt_encode_str(jwt.get());
  if (!encoded)
    throw core::Unavailable("could not sign a token");
  std::string out(encoded);
  std::free(encoded);
  return out;
}

TokenClaims TokenSigner::decode(std::string_view token) const {
  std::string copy(token);
  jwt_t *raw = nullptr;
  // jwt_decode checks the signature with the algorithm named in the header;
  // the algorithm is then pinned below so "none" or RS/ES tokens never pass.
  int rc = jwt_decode(&raw, copy.c_str(),
                      reinterpret_cast<const unsigned char *>(secret_.data()),
                      static_cast<int>(secret_.size()));
  JwtPtr jwt(raw);
  if (rc != 0 || !jwt)
    throw core::Unauthorized("invalid access token signature or format");
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256)
    throw core::Unauthorized("access token must be signed with HS256");
  const char *iss = jwt_get_grant(jwt.get(), "iss");
  if (!iss || std::string_view(iss) != kIssuer)
    throw core::Unauthorized("access token has a foreign issuer");
  const auto now = core::now_unix();
  const long exp = jwt_get_grant_int(jwt.get(), "exp");
  if (exp <= 0 || now >= exp)
    throw core::Unauthorized("access token expired");
  const long nbf = jwt_get_grant_int(jwt.get(), "nbf");
  if (nbf > now + kClockSkewSeconds)
    throw core::Unauthorized("access token not yet valid");
  const char *sub = jwt_get_grant(jwt.get(), "sub");
  const char *name = jwt_get_grant(jwt.get(), "name");
  const char *role = jwt_get_grant(jwt.get(), "role");
  if (!sub || !name || !role)
    throw core::Unauthorized("access token lacks required claims");
  TokenClaims c;
  char *end = nullptr;
  c.user_id = std::strtoll(sub, &end, 10);
  if (!end || *end != '\0' || c.user_id <= 0)
    throw core::Unauthorized("access token has a bad subject");
  c.username = name;
  c.role = role;
  c.expires_at = exp;
  const long sv = jwt_get_grant_int(jwt.get(), "sv");
  if (sv < 0) throw core::Unauthorized("access token has a bad session version");
  c.session_version = sv;
  return c;
}

} // namespace churnwatch::services
