#include "services/passwords.hpp"

#include <sodium.h>

#include "core/errors.hpp"
#include "core/random.hpp"

namespace churnwatch::services {

std::string hash_password(std::string_view password) {
  core::ensure_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    throw core::Unavailable("not enough memory to hash the password");
  return out;
}

bool verify_password(std::string_view encoded, std::string_view password) {
  core::ensure_sodium();
  std::string copy(encoded);  // libsodium wants a NUL-terminated string
  return crypto_pwhash_str_verify(copy.c_str(), password.data(), password.size()) == 0;
}

}  // namespace churnwatch::services
