#include "services/demo_data.hpp"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "services/csv_reader.hpp"
#include "services/customer_io.hpp"
#include "services/schema_inference.hpp"
#include "services_test_support.hpp"

namespace churnwatch::services {
namespace {

std::string demo(std::int64_t rows, std::uint64_t seed) {
  std::ostringstream out;
  write_demo_csv(out, rows, seed);
  return out.str();
}

TEST(DemoData, SameSeedSameBytes) {
  EXPECT_EQ(demo(500, 42), demo(500, 42));
  EXPECT_NE(demo(500, 42), demo(500, 43));
  EXPECT_EQ(demo(0, 1),
            "RowNumber,CustomerId,Surname,CreditScore,Geography,Gender,Age,Tenure,Balance,"
            "NumOfProducts,HasCrCard,IsActiveMember,EstimatedSalary,Exited\n");
}

TEST(DemoData, MarginalsAndChurnArePlausible) {
  constexpr int kRows = 20000;
  std::istringstream in(demo(kRows, 7));
  CsvReader reader(in);
  CsvRecord rec;
  ASSERT_TRUE(reader.next(rec));
  std::set<std::string> ids;
  int churned = 0, france = 0, zero_balance = 0, active = 0;
  int many_products = 0, many_products_churned = 0, two_products = 0, two_products_churned = 0;
  int mid_age = 0, mid_age_churned = 0, young = 0, young_churned = 0;
  double age_sum = 0, score_sum = 0;
  while (reader.next(rec)) {
    ASSERT_EQ(rec.cells.size(), 14u);
    ids.insert(rec.cells[1]);
    const int score = std::stoi(rec.cells[3]);
    const int age = std::stoi(rec.cells[6]);
    const int products = std::stoi(rec.cells[9]);
    const bool exited = rec.cells[13] == "1";
    EXPECT_TRUE(score >= 350 && score <= 850);
    EXPECT_TRUE(age >= 18 && age <= 92);
    EXPECT_TRUE(products >= 1 && products <= 4);
    churned += exited;
    france += rec.cells[4] == "France";
    zero_balance += std::stod(rec.cells[8]) == 0.0;
    active += rec.cells[11] == "1";
    age_sum += age;
    score_sum += score;
    if (products >= 3) many_products++, many_products_churned += exited;
    if (products == 2) two_products++, two_products_churned += exited;
    if (age >= 45 && age <= 60) mid_age++, mid_age_churned += exited;
    if (age < 30) young++, young_churned += exited;
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kRows));  // unique ids
  const double rate = static_cast<double>(churned) / kRows;
  EXPECT_GE(rate, 0.15);
  EXPECT_LE(rate, 0.25);
  EXPECT_NEAR(static_cast<double>(france) / kRows, 0.5, 0.03);
  EXPECT_NEAR(static_cast<double>(zero_balance) / kRows, 0.36, 0.03);
  EXPECT_NEAR(static_cast<double>(active) / kRows, 0.52, 0.03);
  EXPECT_NEAR(age_sum / kRows, 39, 2);
  EXPECT_NEAR(score_sum / kRows, 650, 5);
  // The churn mechanism a model should find.
  EXPECT_GT(static_cast<double>(many_products_churned) / many_products, 2 * rate);
  EXPECT_LT(static_cast<double>(two_products_churned) / two_products, rate);
  EXPECT_GT(static_cast<double>(mid_age_churned) / mid_age, 2 * static_cast<double>(young_churned) / young);
}

TEST(DemoData, ImportsUnderTheInferredSchema) {
  const std::string text = demo(3000, 11);
  std::istringstream sample(text);
  auto schema = infer_schema_from_csv(sample);
  EXPECT_EQ(schema.id_attribute().name, "CustomerId");
  ASSERT_NE(schema.label_attribute(), nullptr);
  EXPECT_EQ(schema.label_attribute()->name, "Exited");

  testing::TempStore store;
  std::istringstream in(text);
  auto r = import_csv(*store, in, {});
  EXPECT_EQ(r.created, 3000);
  EXPECT_TRUE(r.schema_created);
}

}  // namespace
}  // namespace churnwatch::services
