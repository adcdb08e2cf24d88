// Secrets at rest: round trip, tamper and wrong-key detection, key loading
// from the setting or a 0600 key file, and masking for display.
#include "services/secret_box.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "core/errors.hpp"

namespace churnwatch::services {
namespace {

const std::string kHexKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const std::string kUrl = "https://discord.com/api/webhooks/123456789/abcdefSECRETtokenX9Qa";

TEST(SecretBoxTest, SealsAndOpensWithFreshNonces) {
  auto box = SecretBox::from_hex(kHexKey);
  const auto a = box.seal(kUrl);
  const auto b = box.seal(kUrl);
  EXPECT_NE(a, b);
  EXPECT_TRUE(SecretBox::is_sealed(a));
  EXPECT_EQ(a.find("SECRET"), std::string::npos);
  EXPECT_EQ(box.open(a), kUrl);
  EXPECT_EQ(box.open(b), kUrl);
  EXPECT_EQ(box.open(box.seal("")), "");
}

TEST(SecretBoxTest, RefusesAlteredForeignAndMalformedInput) {
  auto box = SecretBox::from_hex(kHexKey);
  auto sealed = box.seal(kUrl);
  std::string altered = sealed;
  altered[altered.size() - 6] = altered[altered.size() - 6] == 'A' ? 'B' : 'A';
  EXPECT_THROW(box.open(altered), core::Invalid);
  auto other = SecretBox::from_hex(std::string(64, '7'));
  EXPECT_THROW(other.open(sealed), core::Invalid);
  EXPECT_THROW(box.open("sb1:!!!"), core::Invalid);
  EXPECT_THROW(box.open("sb1:AAAA"), core::Invalid);
  EXPECT_THROW(box.open(kUrl), core::Invalid);
  EXPECT_THROW(SecretBox::from_hex("abc"), core::Invalid);
  EXPECT_THROW(SecretBox::from_hex(std::string(64, 'g')), core::Invalid);
}

TEST(SecretBoxTest, LoadsTheKeyFromTheSettingOrAPrivateKeyFile) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("churnwatch-secret-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::string sealed;
  {
    auto box = SecretBox::load("", dir);
    sealed = box.seal("webhook");
  }
  struct stat st {};
  ASSERT_EQ(::stat((dir / "secret.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  // The same file gives the same key after a restart.
  EXPECT_EQ(SecretBox::load("", dir).open(sealed), "webhook");
  // A configured key wins over the file.
  EXPECT_THROW(SecretBox::load(kHexKey, dir).open(sealed), core::Invalid);
  std::ofstream(dir / "secret.key", std::ios::trunc) << "short\n";
  EXPECT_THROW(SecretBox::load("", dir), core::Invalid);
  std::filesystem::remove_all(dir);
}

TEST(SecretBoxTest, MasksForDisplay) {
  EXPECT_EQ(mask(kUrl), "https://discord.com/\xE2\x80\xA6X9Qa");
  EXPECT_EQ(mask("sk_live_1234567890abcd"),
            "sk\xE2\x80\xA6"
            "abcd");
  EXPECT_EQ(mask("short-secret"), "********");
  EXPECT_EQ(mask(""), "");
}

}  // namespace
}  // namespace churnwatch::services
