// The demo bank table end to end: the acceptance floor the old system is
// measured against (test-split ROC-AUC >= 0.86, churner F1 >= 0.60).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/values.hpp"
#include "ml/trainer.hpp"
#include "services/csv_reader.hpp"
#include "services/schema_inference.hpp"

namespace churnwatch::ml {
namespace {

std::filesystem::path bank_csv() {
  if (const char* dir = std::getenv("CHURNWATCH_SHARED_DATA")) {
    return std::filesystem::path(dir) / "Churn_Modelling.csv";
  }
  return std::filesystem::path(CHURNWATCH_SOURCE_DIR) / ".." / "shared" / "data" / "Churn_Modelling.csv";
}

TEST(BankData, MeetsTheAcceptanceFloor) {
  const auto path = bank_csv();
  if (!std::filesystem::exists(path)) {
    GTEST_SKIP() << "bank demo file not found at " << path
                 << " (set CHURNWATCH_SHARED_DATA to the folder holding Churn_Modelling.csv)";
  }
  std::ifstream schema_in(path);
  const auto schema = services::infer_schema_from_csv(schema_in);
  const auto* label = schema.label_attribute();
  ASSERT_NE(label, nullptr);
  ASSERT_EQ(label->name, "Exited");

  std::ifstream in(path);
  services::CsvReader reader(in, path.filename().string());
  services::CsvRecord rec;
  ASSERT_TRUE(reader.next(rec));
  const auto header = rec.cells;
  std::vector<nlohmann::json> rows;
  std::vector<int> labels;
  while (reader.next(rec)) {
    nlohmann::json row = nlohmann::json::object();
    for (std::size_t c = 0; c < header.size(); ++c) {
      const auto* attr = schema.find(header[c]);
      ASSERT_NE(attr, nullptr);
      std::string error;
      const auto v = core::parse_cell(*attr, rec.cells.at(c), error);
      ASSERT_TRUE(v.has_value()) << "line " << rec.line << ": " << error;
      row[attr->name] = *v;
    }
    const auto& y = row.at(label->name);
    labels.push_back(y.is_boolean() ? (y.get<bool>() ? 1 : 0) : y.get<int>());
    rows.push_back(std::move(row));
  }
  ASSERT_EQ(rows.size(), 10000u);

  const auto r = train(schema, rows, labels, TrainOptions{});
  const auto& test = r.bundle.metadata().test;
  EXPECT_EQ(test.rows, 2000);
  EXPECT_GE(test.roc_auc, 0.86);
  EXPECT_GE(test.f1, 0.60);
  // Reasons speak the table's language.
  const auto p = r.bundle.predict(rows[0]);
  ASSERT_FALSE(p.reasons.empty());
  EXPECT_TRUE(schema.find(p.reasons[0].attribute) != nullptr);
  EXPECT_NE(p.reasons[0].attribute, "Surname");
  EXPECT_NE(p.reasons[0].attribute, "CustomerId");
}

}  // namespace
}  // namespace churnwatch::ml
