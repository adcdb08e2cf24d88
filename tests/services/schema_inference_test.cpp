#include "services/schema_inference.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "services_test_support.hpp"

namespace churnwatch::services {
namespace {

using core::AttrType;
using core::Role;

const core::Attribute& attr(const core::DatasetSchema& s, const std::string& name) {
  const auto* a = s.find(name);
  EXPECT_NE(a, nullptr) << name;
  static const core::Attribute kNone;
  return a ? *a : kNone;
}

// What a user of the bank table expects, whatever the rows are.
void expect_bank_schema(const core::DatasetSchema& s) {
  ASSERT_EQ(s.attributes.size(), 14u);
  EXPECT_EQ(s.attributes[0].name, "RowNumber");  // column order kept
  EXPECT_EQ(attr(s, "RowNumber").role, Role::kIgnored);
  EXPECT_EQ(attr(s, "CustomerId").role, Role::kId);
  EXPECT_EQ(attr(s, "CustomerId").type, AttrType::kInteger);
  EXPECT_EQ(attr(s, "Surname").role, Role::kDisplay);
  EXPECT_EQ(attr(s, "Surname").type, AttrType::kText);
  const auto& exited = attr(s, "Exited");
  EXPECT_EQ(exited.role, Role::kLabel);
  EXPECT_EQ(exited.type, AttrType::kBoolean);
  EXPECT_EQ(exited.true_text, "1");
  EXPECT_EQ(exited.false_text, "0");
  for (const char* name : {"Geography", "Gender"}) {
    EXPECT_EQ(attr(s, name).type, AttrType::kCategory) << name;
    EXPECT_EQ(attr(s, name).role, Role::kFeature) << name;
  }
  for (const char* name : {"HasCrCard", "IsActiveMember"}) {
    EXPECT_EQ(attr(s, name).type, AttrType::kBoolean) << name;
    EXPECT_EQ(attr(s, name).role, Role::kFeature) << name;
  }
  for (const char* name : {"CreditScore", "Age", "Tenure", "NumOfProducts"}) {
    EXPECT_EQ(attr(s, name).type, AttrType::kInteger) << name;
    EXPECT_EQ(attr(s, name).role, Role::kFeature) << name;
  }
  for (const char* name : {"Balance", "EstimatedSalary"}) {
    EXPECT_EQ(attr(s, name).type, AttrType::kNumber) << name;
    EXPECT_EQ(attr(s, name).role, Role::kFeature) << name;
  }
  EXPECT_NO_THROW(s.validate());
}

TEST(SchemaInference, BankSampleFixture) {
  std::ifstream in(testing::fixture_path("bank_sample.csv"));
  ASSERT_TRUE(in) << "missing fixture";
  auto s = infer_schema_from_csv(in);
  expect_bank_schema(s);
  // Categories are listed in the order the file shows them.
  EXPECT_EQ(attr(s, "Geography").categories, (std::vector<std::string>{"France", "Germany", "Spain"}));
  EXPECT_EQ(attr(s, "Gender").categories, (std::vector<std::string>{"Female", "Male"}));
}

TEST(SchemaInference, SharedBankFile) {
  std::string path = testing::shared_bank_csv_path();
  if (path.empty()) GTEST_SKIP() << "Churn_Modelling.csv not found (set CHURNWATCH_SHARED_DATA)";
  std::ifstream in(path);
  auto s = infer_schema_from_csv(in);
  expect_bank_schema(s);
  EXPECT_EQ(attr(s, "Geography").categories.size(), 3u);
  EXPECT_EQ(attr(s, "Gender").categories.size(), 2u);
}

TEST(SchemaInference, OtherTableWithYesNoLabelStringIdsAndMissingValues) {
  std::ifstream in(testing::fixture_path("telco_sample.csv"));
  ASSERT_TRUE(in) << "missing fixture";
  auto s = infer_schema_from_csv(in);
  EXPECT_EQ(attr(s, "customer_id").role, Role::kId);
  EXPECT_EQ(attr(s, "customer_id").type, AttrType::kText);
  EXPECT_EQ(attr(s, "full_name").role, Role::kDisplay);
  EXPECT_EQ(attr(s, "plan").type, AttrType::kCategory);
  EXPECT_EQ(attr(s, "plan").categories, (std::vector<std::string>{"premium", "plus", "basic"}));
  EXPECT_EQ(attr(s, "monthly_fee").type, AttrType::kNumber);     // has empty cells
  EXPECT_EQ(attr(s, "support_calls").type, AttrType::kInteger);  // has an empty cell
  EXPECT_EQ(attr(s, "tenure_months").type, AttrType::kInteger);
  EXPECT_EQ(attr(s, "signup_date").type, AttrType::kDate);
  EXPECT_EQ(attr(s, "auto_pay").type, AttrType::kBoolean);
  EXPECT_EQ(attr(s, "auto_pay").true_text, "yes");
  EXPECT_EQ(attr(s, "auto_pay").false_text, "no");
  const auto& churn = attr(s, "Churn");
  EXPECT_EQ(churn.role, Role::kLabel);
  EXPECT_EQ(churn.type, AttrType::kBoolean);
  EXPECT_EQ(churn.true_text, "Yes");
  EXPECT_EQ(churn.false_text, "No");
}

TEST(SchemaInference, LabelNamesInAnyCase) {
  for (std::string name : {"CHURN", "churned", "Attrition", "target", "Label"}) {
    auto s = infer_schema({"id", name}, {{"a", "true"}, {"b", "false"}, {"c", "TRUE"}});
    EXPECT_EQ(attr(s, name).role, Role::kLabel) << name;
  }
}

TEST(SchemaInference, UnlabelledTableHasNoLabel) {
  auto s = infer_schema({"account_id", "spend"}, {{"x1", "3.5"}, {"x2", "4"}});
  EXPECT_EQ(s.label_attribute(), nullptr);
  EXPECT_EQ(attr(s, "account_id").role, Role::kId);
  EXPECT_EQ(attr(s, "spend").type, AttrType::kNumber);
}

TEST(SchemaInference, IdsWithLeadingZerosStayText) {
  auto s = infer_schema({"CustomerID", "x"}, {{"007", "1"}, {"010", "2"}, {"123", "3"}});
  EXPECT_EQ(attr(s, "CustomerID").role, Role::kId);
  EXPECT_EQ(attr(s, "CustomerID").type, AttrType::kText);
}

TEST(SchemaInference, WithoutAnIdNamedColumnUsesAUniqueColumn) {
  auto s = infer_schema({"idx", "email", "plan"},
                        {{"1", "a@x.org", "gold"}, {"2", "b@x.org", "gold"}, {"3", "c@x.org", "gold"}});
  EXPECT_EQ(attr(s, "idx").role, Role::kIgnored);  // a row number
  EXPECT_EQ(attr(s, "email").role, Role::kId);
}

TEST(SchemaInference, RepeatedIdValuesAreNotAnId) {
  EXPECT_THROW(infer_schema({"customer_id"}, {{"a"}, {"a"}}), core::Invalid);
}

TEST(SchemaInference, HighCardinalityTextIsText) {
  std::vector<std::vector<std::string>> rows;
  for (int i = 0; i < 200; ++i) rows.push_back({std::to_string(i + 1000), "note " + std::to_string(i)});
  auto s = infer_schema({"customer_id", "note"}, rows);
  EXPECT_EQ(attr(s, "note").type, AttrType::kText);
}

TEST(SchemaInference, EmptyHeaderNameIsReported) {
  auto e = testing::expect_invalid([] { infer_schema({"id", ""}, {{"1", "2"}}); });
  ASSERT_FALSE(e.errors().empty());
  EXPECT_EQ(e.errors()[0].column, 2);
}

}  // namespace
}  // namespace churnwatch::services
