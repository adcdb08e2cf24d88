#include "services/secret_box.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include "core/errors.hpp"
#include "core/random.hpp"

namespace churnwatch::services {
namespace {

constexpr std::string_view kPrefix = "sb1:";
constexpr const char *kKeyFile = "secret.key";
constexpr const char *kEllipsis = "\xE2\x80\xA6";

core::Invalid bad_key(const std::string &where) {
  return core::Invalid("the secret key " + where + " must be 64 hex characters (32 bytes)",
                       {{"CHURNWATCH_SECRET_KEY", "64 hex characters, e.g. from: openssl rand -hex 32"}});
}

std::string read_or_create_key_file(const std::filesystem::path &path) {
  std::filesystem::create_directories(path.parent_path());
  // O_EXCL: of two servers starting at once, one creates and both read it.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd >= 0) {
    const std::string hex = core::random_hex(SecretBox::kKeyBytes) + "\n";
    const bool ok = ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size());
    ::close(fd);
    if (!ok) throw core::Unavailable("cannot write " + path.string());
    spdlog::info(R"({{"msg":"created a secret key for secrets at rest","file":"{}"}})", path.string());
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
    spdlog::warn(R"({{"msg":"the secret key file is readable by other users; chmod 600 it","file":"{}"}})",
                 path.string());
  std::ifstream in(path);
  std::string hex;
  std::getline(in, hex);
  if (!in && hex.empty()) throw core::Unavailable("cannot read " + path.string());
  return hex;
}

}  // namespace

SecretBox::SecretBox(const Key &key) : key_(key) { core::ensure_sodium(); }

SecretBox::~SecretBox() { sodium_memzero(key_.data(), key_.size()); }

SecretBox SecretBox::from_hex(std::string_view hex) {
  Key key{};
  std::size_t len = 0;
  const char *end = nullptr;
  core::ensure_sodium();
  if (hex.size() != 2 * kKeyBytes ||
      sodium_hex2bin(key.data(), key.size(), hex.data(), hex.size(), nullptr, &len, &end) != 0 ||
      len != kKeyBytes || end != hex.data() + hex.size())
    throw bad_key("");
  SecretBox box(key);
  sodium_memzero(key.data(), key.size());
  return box;
}

SecretBox SecretBox::load(std::string_view configured_hex, const std::filesystem::path &data_dir) {
  if (!configured_hex.empty()) return from_hex(configured_hex);
  const auto path = data_dir / kKeyFile;
  const std::string hex = read_or_create_key_file(path);
  try {
    return from_hex(hex);
  } catch (const core::Invalid &) {
    throw bad_key("in " + path.string());
  }
}

std::string SecretBox::seal(std::string_view plaintext) const {
  std::string raw(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(), '\0');
  auto *nonce = reinterpret_cast<unsigned char *>(raw.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char *>(plaintext.data()), plaintext.size(), nonce,
                        key_.data());
  std::string b64(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char *>(raw.data()), raw.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  b64.resize(std::strlen(b64.c_str()));
  return std::string(kPrefix) + b64;
}

std::string SecretBox::open(std::string_view sealed) const {
  if (!is_sealed(sealed)) throw core::Invalid("not a sealed secret");
  const auto b64 = sealed.substr(kPrefix.size());
  std::string raw(b64.size(), '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char *>(raw.data()), raw.size(), b64.data(), b64.size(),
                        nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
    throw core::Invalid("a sealed secret is malformed");
  const auto *nonce = reinterpret_cast<const unsigned char *>(raw.data());
  const auto *box = nonce + crypto_secretbox_NONCEBYTES;
  const std::size_t box_len = len - crypto_secretbox_NONCEBYTES;
  std::string plain(box_len - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char *>(plain.data()), box, box_len, nonce,
                                 key_.data()) != 0)
    throw core::Invalid("a sealed secret was altered or sealed under another key");
  return plain;
}

bool SecretBox::is_sealed(std::string_view text) { return text.rfind(kPrefix, 0) == 0; }

std::string mask(std::string_view secret) {
  constexpr std::size_t kTail = 4;
  if (secret.size() <= 12) return std::string(secret.empty() ? 0 : 8, '*');
  const std::string tail(secret.substr(secret.size() - kTail));
  const auto scheme = secret.find("://");
  if (scheme != std::string_view::npos) {
    const auto path = secret.find('/', scheme + 3);
    if (path != std::string_view::npos && path + 1 + kTail < secret.size())
      return std::string(secret.substr(0, path + 1)) + kEllipsis + tail;
  }
  return std::string(secret.substr(0, 2)) + kEllipsis + tail;
}

}  // namespace churnwatch::services
