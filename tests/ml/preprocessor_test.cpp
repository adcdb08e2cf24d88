#include "ml/preprocessor.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/errors.hpp"
#include "ml/ml_fixtures.hpp"

namespace churnwatch::ml {
namespace {

using testing::attr;
using core::AttrType;
using core::Role;

core::DatasetSchema schema() {
  core::DatasetSchema s;
  auto active = attr("active", AttrType::kBoolean, Role::kFeature);
  active.true_text = "yes";
  active.false_text = "no";
  s.attributes = {attr("id", AttrType::kText, Role::kId),
                  attr("name", AttrType::kText, Role::kDisplay),
                  attr("age", AttrType::kInteger, Role::kFeature),
                  attr("balance", AttrType::kNumber, Role::kFeature),
                  attr("country", AttrType::kCategory, Role::kFeature, {"FR", "ES", "DE"}),
                  active,
                  attr("joined", AttrType::kDate, Role::kFeature),
                  attr("comment", AttrType::kText, Role::kFeature),
                  attr("old_score", AttrType::kNumber, Role::kIgnored),
                  attr("churned", AttrType::kBoolean, Role::kLabel)};
  return s;
}

std::vector<nlohmann::json> rows() {
  return {{{"id", "a"}, {"name", "Ann"}, {"age", 30}, {"balance", 10.5}, {"country", "FR"},
           {"active", true}, {"joined", "1970-01-11"}, {"comment", "x"}, {"old_score", 1}},
          {{"id", "b"}, {"age", 50}, {"balance", nullptr}, {"country", "DE"}, {"active", false},
           {"joined", "2000-03-01"}},
          {{"id", "c"}, {"age", 40}, {"balance", 30.5}, {"country", "FR"}}};
}

std::vector<std::string> names(const Preprocessor& p) {
  std::vector<std::string> out;
  for (const auto& c : p.columns()) out.push_back(c.name);
  return out;
}

TEST(Preprocessor, ColumnsComeFromFeatureAttributesOnly) {
  const auto p = Preprocessor::fit(schema(), rows(), MissingPolicy::kKeepMissing);
  // Only categories seen in training get a column (ES was never seen).
  EXPECT_EQ(names(p), (std::vector<std::string>{"age", "balance", "country=FR", "country=DE",
                                                "active", "joined"}));
}

TEST(Preprocessor, EncodesValuesMissingAndUnseen) {
  const auto p = Preprocessor::fit(schema(), rows(), MissingPolicy::kKeepMissing);
  const auto m = p.transform(rows());
  ASSERT_EQ(m.rows, 3u);
  ASSERT_EQ(m.cols, 6u);
  const float* r0 = m.row(0);
  EXPECT_EQ(r0[0], 30.0f);
  EXPECT_EQ(r0[1], 10.5f);
  EXPECT_EQ(r0[2], 1.0f);
  EXPECT_EQ(r0[3], 0.0f);
  EXPECT_EQ(r0[4], 1.0f);
  EXPECT_EQ(r0[5], 10.0f);  // days since epoch
  EXPECT_TRUE(std::isnan(m.row(1)[1])) << "null stays missing for trees";
  EXPECT_EQ(m.row(1)[4], 0.0f);
  EXPECT_EQ(m.row(1)[5], 11017.0f);
  EXPECT_TRUE(std::isnan(m.row(2)[4])) << "absent boolean is missing";

  // An unseen category and a yes/no spelling do not fail.
  std::vector<float> out(p.cols());
  p.transform_row({{"age", 20}, {"country", "ES"}, {"active", "YES"}}, out.data());
  EXPECT_EQ(out[2], 0.0f);
  EXPECT_EQ(out[3], 0.0f);
  EXPECT_EQ(out[4], 1.0f);
  EXPECT_TRUE(std::isnan(out[1]));
}

TEST(Preprocessor, WrongTypesNameTheAttribute) {
  const auto p = Preprocessor::fit(schema(), rows(), MissingPolicy::kKeepMissing);
  std::vector<float> out(p.cols());
  try {
    p.transform_row({{"age", "old"}}, out.data());
    FAIL() << "expected Invalid";
  } catch (const core::Invalid& e) {
    ASSERT_EQ(e.errors().size(), 1u);
    EXPECT_EQ(e.errors()[0].field, "age");
  }
  EXPECT_THROW(p.transform_row({{"joined", "yesterday"}}, out.data()), core::Invalid);
  EXPECT_THROW(p.transform_row(nlohmann::json::array(), out.data()), core::Invalid);
  // A numeric string for a number is accepted.
  p.transform_row({{"age", "41"}}, out.data());
  EXPECT_EQ(out[0], 41.0f);
}

TEST(Preprocessor, ImputeScaleFillsMissingWithTheMean) {
  const auto p = Preprocessor::fit(schema(), rows(), MissingPolicy::kImputeScale);
  const auto m = p.transform(rows());
  EXPECT_FLOAT_EQ(m.row(1)[1], 0.0f) << "missing balance -> mean -> 0 after scaling";
  EXPECT_NEAR(m.row(0)[1], -1.0, 1e-6);  // (10.5 - 20.5) / 10
  EXPECT_NEAR(m.row(2)[1], 1.0, 1e-6);
  EXPECT_NEAR(m.row(0)[0] + m.row(1)[0] + m.row(2)[0], 0.0, 1e-5) << "age is centred";
  EXPECT_EQ(m.row(0)[2], 1.0f) << "one-hot columns are not scaled";
}

TEST(Preprocessor, JsonRoundTripEncodesIdentically) {
  for (auto policy : {MissingPolicy::kKeepMissing, MissingPolicy::kImputeScale}) {
    const auto p = Preprocessor::fit(schema(), rows(), policy);
    const auto back = nlohmann::json(p).get<Preprocessor>();
    const auto a = p.transform(rows());
    const auto b = back.transform(rows());
    ASSERT_EQ(a.values.size(), b.values.size());
    for (std::size_t i = 0; i < a.values.size(); ++i) {
      if (std::isnan(a.values[i])) {
        EXPECT_TRUE(std::isnan(b.values[i]));
      } else {
        EXPECT_EQ(a.values[i], b.values[i]);
      }
    }
  }
}

TEST(Preprocessor, ParallelTransformEqualsSequential) {
  const auto t = testing::bank_like(20000, 11);
  const auto p = Preprocessor::fit(t.schema, t.rows, MissingPolicy::kKeepMissing);
  const auto a = p.transform(t.rows, 1);
  const auto b = p.transform(t.rows, 4);
  EXPECT_EQ(a.values, b.values);
}

TEST(Preprocessor, NoUsableFeatureIsAnError) {
  core::DatasetSchema s;
  s.attributes = {attr("id", AttrType::kText, Role::kId), attr("note", AttrType::kText, Role::kFeature)};
  EXPECT_THROW(Preprocessor::fit(s, {}, MissingPolicy::kKeepMissing), core::Invalid);
}

TEST(Preprocessor, DaysSinceEpoch) {
  EXPECT_EQ(days_since_epoch("1970-01-01"), 0.0);
  EXPECT_EQ(days_since_epoch("2024-02-29T10:00:00Z"), 19782.0);
  EXPECT_EQ(days_since_epoch("1969-12-31"), -1.0);
  EXPECT_TRUE(std::isnan(days_since_epoch("2024/01/01")));
}

}  // namespace
}  // namespace churnwatch::ml
