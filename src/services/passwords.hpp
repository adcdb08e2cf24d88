// Password hashing with argon2id (libsodium's crypto_pwhash_str).
#pragma once

#include <string>
#include <string_view>

namespace churnwatch::services {

// Returns libsodium's encoded argon2id string (algorithm, parameters, salt, hash).
std::string hash_password(std::string_view password);
// True when `password` matches `encoded`. Takes the same time whether or not
// it matches.
bool verify_password(std::string_view encoded, std::string_view password);

}  // namespace churnwatch::services
