#include "storage/json_text.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace churnwatch::storage {
namespace {

using nlohmann::json;

json round_trip(const json& v) {
  std::string text;
  write_json(v, text);
  return json::parse(text);
}

TEST(JsonText, FlatObjectsReadBackEqualWithTheirNumberKinds) {
  json v = {{"Age", 42},
            {"Big", std::numeric_limits<std::int64_t>::min()},
            {"Huge", std::numeric_limits<std::uint64_t>::max()},
            {"Balance", 2000.0},
            {"Tiny", 1e-300},
            {"Third", 1.0 / 3.0},
            {"Name", "Hargrave \"Jr\" \\ tab\there\nnew"},
            {"Unicode", "Zoë 北京"},
            {"Active", true},
            {"Off", false},
            {"Missing", nullptr},
            {"", "empty key"},
            {"Nested", {{"a", json::array({1, 2.5, "x"})}}}};
  json back = round_trip(v);
  EXPECT_EQ(back, v);
  EXPECT_TRUE(back["Balance"].is_number_float());
  EXPECT_TRUE(back["Age"].is_number_integer());
  EXPECT_EQ(back["Third"].get<double>(), 1.0 / 3.0);
}

TEST(JsonText, NonFiniteNumbersBecomeNullAsInDump) {
  json v = {{"x", std::nan("")}, {"y", std::numeric_limits<double>::infinity()}};
  EXPECT_EQ(round_trip(v), json({{"x", nullptr}, {"y", nullptr}}));
}

TEST(JsonText, InvalidUtf8IsRejected) {
  std::string text;
  EXPECT_THROW(write_json(json{{"bad", std::string("\xff\xfe")}}, text), json::type_error);
}

TEST(JsonText, ScalarsAndEmptyObject) {
  std::string text;
  write_json(json::object(), text);
  EXPECT_EQ(text, "{}");
  write_json(json(5), text);
  EXPECT_EQ(text, "5");
}

}  // namespace
}  // namespace churnwatch::storage
