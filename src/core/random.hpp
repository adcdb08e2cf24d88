// Randomness from libsodium (a CSPRNG); never std::rand for anything that
// guards access.
#pragma once

#include <string>

namespace churnwatch::core {

// Calls sodium_init once; safe from any thread. Throws Unavailable on failure.
void ensure_sodium();
// `bytes` random bytes as lowercase hex.
std::string random_hex(std::size_t bytes);
// A password of `length` characters from an unambiguous alphabet.
std::string random_password(std::size_t length = 20);

}  // namespace churnwatch::core
