// JWT verification. The first byte picks the mode: verify the rest as a
// token as received in an Authorization header, or sign the rest as a claims
// object with the server's key and verify that, so claim handling (exp, nbf,
// iss, sub, name, role of any type) is reached past the signature check.
// verify() may only return claims or throw core::Unauthorized.
#include <jwt.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "core/errors.hpp"
#include "services/tokens.hpp"

using namespace churnwatch;

namespace {

const std::string kSecret(48, 'k');

std::string sign_claims(const std::string &claims_json) {
  jwt_t *raw = nullptr;
  if (jwt_new(&raw) != 0)
    return {};
  std::unique_ptr<jwt_t, decltype(&jwt_free)> jwt(raw, jwt_free);
  if (jwt_add_grants_json(jwt.get(), claims_json.c_str()) != 0)
    return {};
  if (jwt_set_alg(jwt.get(), JWT_ALG_HS256,
                  reinterpret_cast<const unsigned char *>(kSecret.data()),
                  static_cast<int>(kSecret.size())) != 0)
    return {};
  char *encoded = jwt_encode_str(jwt.get());
  if (!encoded)
    return {};
  std::string out(encoded);
  std::free(encoded);
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data,
                                      std::size_t size) {
  if (size == 0)
    return 0;
  static const services::TokenSigner signer(kSecret, 900);
  std::string rest(reinterpret_cast<const char *>(data + 1), size - 1);
  if (data[0] & 1) {
    if (rest.find('\0') != std::string::npos)
      return 0; // not expressible as C string claims
    rest = sign_claims(rest);
    if (rest.empty())
      return 0;
  }
  try {
    const auto claims = signer.verify(rest);
    if (claims.user_id <= 0)
      __builtin_trap(); // verify promises a positive subject
  } catch (const core::Unauthorized &) {
  }
  return 0;
}
