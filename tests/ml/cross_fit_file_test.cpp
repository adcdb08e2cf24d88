#include "ml/cross_fit_file.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/errors.hpp"

namespace churnwatch::ml {
namespace {

TEST(CrossFitFile, RoundTripsAnyKeyAndIsTheSameForTheSameMembers) {
  CrossFitFile f;
  f.folds = 5;
  f.members = {{"15600001", 0}, {"", 4}, {"quote \" and \\ back", 2}, {"Zürich-7", 1}, {"tab\there", 3}};
  const auto text = encode_cross_fit(f);
  const auto back = decode_cross_fit(text);
  EXPECT_EQ(back.folds, 5);
  EXPECT_EQ(back.members, f.members);
  CrossFitFile other;
  other.folds = 5;
  for (const auto& [k, v] : f.members) other.members.emplace(k, v);  // another insertion history
  other.members.rehash(1000);
  EXPECT_EQ(encode_cross_fit(other), text) << "keys are written sorted";
  EXPECT_EQ(text.find('\n'), std::string::npos);
}

TEST(CrossFitFile, StaysCompactForSixHundredThousandCustomers) {
  CrossFitFile f;
  f.folds = 3;
  constexpr int kMembers = 600000;
  f.members.reserve(kMembers);
  for (int i = 0; i < kMembers; ++i) f.members.emplace(std::to_string(15600000 + i), i % 3);
  const auto text = encode_cross_fit(f);
  // 8-digit ids: 8 characters, 2 quotes and 2 commas, plus one digit per fold.
  EXPECT_LE(text.size(), static_cast<std::size_t>(kMembers) * 13 + 64);
  const auto back = decode_cross_fit(text);
  EXPECT_EQ(back.members.size(), static_cast<std::size_t>(kMembers));
  EXPECT_EQ(back.members.at("15600000"), 0);
  EXPECT_EQ(back.members.at("16199999"), 599999 % 3);
}

TEST(CrossFitFile, LooksUpByStringView) {
  CrossFitMembers m{{"abc", 1}};
  const std::string_view key = std::string_view("xabcx").substr(1, 3);
  ASSERT_NE(m.find(key), m.end());
  EXPECT_EQ(m.find(key)->second, 1);
}

TEST(CrossFitFile, RejectsWhatItDoesNotWrite) {
  for (const char* text :
       {"", "{}", "[]", "3", "{\"folds\":0,\"keys\":[],\"fold\":[]}",
        "{\"folds\":2,\"folds\":2,\"keys\":[],\"fold\":[]}", "{\"folds\":2,\"keys\":[\"a\"],\"fold\":[]}",
        "{\"folds\":2,\"keys\":[\"a\"],\"fold\":[2]}", "{\"folds\":2,\"keys\":[\"a\"],\"fold\":[-1]}",
        "{\"folds\":2,\"keys\":[\"a\"],\"fold\":[0.5]}",
        "{\"folds\":2,\"keys\":[\"a\",\"a\"],\"fold\":[0,1]}",
        "{\"folds\":2,\"keys\":[[\"a\"]],\"fold\":[0]}",
        "{\"folds\":2,\"keys\":[\"a\"],\"keys\":[\"b\"],\"fold\":[0]}",
        "{\"folds\":2,\"keys\":[\"a\"],\"fold\":[0]} trailing",
        "{\"folds\":2,\"keys\":[\"a\"],\"fold\":[0],\"more\":null}"}) {
    EXPECT_THROW(decode_cross_fit(text), core::Invalid) << text;
  }
  EXPECT_EQ(decode_cross_fit("{\"folds\":2,\"keys\":[],\"fold\":[]}").members.size(), 0u);
  EXPECT_EQ(decode_cross_fit(" { \"fold\" : [1] , \"keys\" : [\"a\"] , \"folds\" : 2 } ").members.at("a"), 1);
}

}  // namespace
}  // namespace churnwatch::ml
