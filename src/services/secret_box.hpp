// Secrets at rest (alert webhook URLs, API keys of integrations): sealed with
// libsodium's secretbox (XSalsa20-Poly1305) under one server key, so a copy
// of the database alone does not reveal them.
#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <string_view>

namespace churnwatch::services {

class SecretBox {
 public:
  static constexpr std::size_t kKeyBytes = 32;
  using Key = std::array<unsigned char, kKeyBytes>;

  explicit SecretBox(const Key &key);
  ~SecretBox();
  SecretBox(const SecretBox &) = delete;
  SecretBox &operator=(const SecretBox &) = delete;
  SecretBox(SecretBox &&) = default;

  // The key from 64 hex characters; Invalid otherwise.
  static SecretBox from_hex(std::string_view hex);
  // The key from `configured_hex` (CHURNWATCH_SECRET_KEY) when not empty,
  // else from <data_dir>/secret.key, which is created (mode 0600, a random
  // key) when missing. Invalid when the key is malformed.
  static SecretBox load(std::string_view configured_hex, const std::filesystem::path &data_dir);

  // "sb1:" + base64(nonce || ciphertext); a fresh random nonce each call, so
  // sealing the same text twice gives different strings.
  std::string seal(std::string_view plaintext) const;
  // The plaintext; Invalid when `sealed` is malformed, was altered, or was
  // sealed under another key.
  std::string open(std::string_view sealed) const;
  // True for strings produced by seal() (by their prefix).
  static bool is_sealed(std::string_view text);

 private:
  Key key_;
};

// A secret as it may be shown: URLs keep scheme and host and the last four
// characters ("https://discord.com/…x9Qa"), other values their first two and
// last four; values of 12 characters or fewer are masked whole.
std::string mask(std::string_view secret);

}  // namespace churnwatch::services
