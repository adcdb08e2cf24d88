#include "core/text.hpp"

#include <gtest/gtest.h>

namespace churnwatch::core {
namespace {

TEST(Text, TrimRemovesSurroundingWhitespaceOnly) {
  EXPECT_EQ(trim(" \t a b \r\n"), "a b");
  EXPECT_EQ(trim("\v\f"), "");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim("x"), "x");
}

TEST(Text, AsciiLowerMapsOnlyAsciiLetters) {
  EXPECT_EQ(ascii_lower("Content-Type: ABC-xyz_09"), "content-type: abc-xyz_09");
  // Bytes of UTF-8 text pass through untouched ("Ä" is C3 84).
  EXPECT_EQ(ascii_lower("\xC3\x84Z"), "\xC3\x84z");
}

TEST(Text, IequalsAndIstartsWithIgnoreAsciiCase) {
  EXPECT_TRUE(iequals("Bearer", "bEARER"));
  EXPECT_FALSE(iequals("Bearer", "Bearer "));
  EXPECT_FALSE(iequals("\xC3\x84", "\xC3\xA4"));  // no locale case mapping
  EXPECT_TRUE(istarts_with("Retry-After: 3", "retry-after:"));
  EXPECT_FALSE(istarts_with("Retry", "retry-after:"));
  EXPECT_TRUE(istarts_with("anything", ""));
}

}  // namespace
}  // namespace churnwatch::core
