// Access tokens: what verify() accepts and refuses, including tokens it has
// already seen (verified tokens are remembered until they expire).
#include "services/tokens.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/errors.hpp"

namespace churnwatch::services {
namespace {

const std::string kSecret(40, 's');

TEST(TokenSigner, VerifiesItsOwnTokenRepeatedly) {
  TokenSigner signer(kSecret, 900);
  const auto token = signer.issue(7, "ana", "analyst");
  for (int i = 0; i < 3; ++i) {
    auto c = signer.verify(token);
    EXPECT_EQ(c.user_id, 7);
    EXPECT_EQ(c.username, "ana");
    EXPECT_EQ(c.role, "analyst");
  }
}

TEST(TokenSigner, RefusesATamperedCopyOfARememberedToken) {
  TokenSigner signer(kSecret, 900);
  const auto token = signer.issue(7, "ana", "analyst");
  signer.verify(token);
  std::string tampered = token;
  tampered[tampered.size() - 2] =
      tampered[tampered.size() - 2] == 'A' ? 'B' : 'A';
  EXPECT_THROW(signer.verify(tampered), core::Unauthorized);
  EXPECT_THROW(signer.verify(token + "x"), core::Unauthorized);
}

TEST(TokenSigner, RefusesAnotherSignersToken) {
  TokenSigner ours(kSecret, 900);
  TokenSigner theirs(std::string(40, 't'), 900);
  const auto token = theirs.issue(1, "admin", "admin");
  theirs.verify(token);
  EXPECT_THROW(ours.verify(token), core::Unauthorized);
}

TEST(TokenSigner, ARememberedTokenStillExpires) {
  TokenSigner signer(kSecret, 1);
  const auto token = signer.issue(7, "ana", "viewer");
  EXPECT_NO_THROW(signer.verify(token));
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  EXPECT_THROW(signer.verify(token), core::Unauthorized);
  EXPECT_THROW(signer.verify(token), core::Unauthorized); // and stays refused
}

TEST(TokenSigner, ManyTokensBeyondWhatIsRemembered) {
  TokenSigner signer(kSecret, 900);
  const auto first = signer.issue(1, "u1", "viewer");
  signer.verify(first);
  for (int i = 0; i < 9000; ++i)
    signer.verify(signer.issue(i + 2, "u", "viewer"));
  EXPECT_EQ(signer.verify(first).user_id, 1);
}

} // namespace
} // namespace churnwatch::services
