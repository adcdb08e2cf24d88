#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "services/csv_reader.hpp"
#include "services/customer_io.hpp"
#include "services_test_support.hpp"

namespace churnwatch::services {
namespace {

using testing::TempStore;

void import_stream(storage::Store& store, std::istream& in,
                   storage::WriteMode mode = storage::WriteMode::kInsert) {
  ImportOptions options;
  options.mode = mode;
  import_csv(store, in, options);
}

void import_fixture(storage::Store& store, const std::string& name) {
  std::ifstream in(testing::fixture_path(name));
  ASSERT_TRUE(in) << "missing fixture " << name;
  import_stream(store, in);
}

std::string export_all(storage::Store& store, ExportFormat format, const storage::CustomerQuery& query = {}) {
  std::string out;
  export_customers(store, query, format, [&](std::string_view piece) {
    out.append(piece);
    return true;
  });
  return out;
}

TEST(ExportCustomers, CsvRoundTripsByteForByte) {
  for (const char* fixture : {"bank_sample.csv", "telco_sample.csv"}) {
    SCOPED_TRACE(fixture);
    TempStore first;
    import_fixture(*first, fixture);
    std::string a = export_all(*first, ExportFormat::kCsv);
    ASSERT_FALSE(a.empty());

    TempStore second;
    std::istringstream in(a);
    import_stream(*second, in);
    std::string b = export_all(*second, ExportFormat::kCsv);
    EXPECT_EQ(a, b);
    EXPECT_EQ(second->count_customers(), first->count_customers());
  }
}

TEST(ExportCustomers, CsvHasSchemaColumnsAndOneLinePerCustomer) {
  TempStore store;
  import_fixture(*store, "bank_sample.csv");
  std::string out = export_all(*store, ExportFormat::kCsv);
  std::istringstream in(out);
  CsvReader reader(in);
  CsvRecord rec;
  ASSERT_TRUE(reader.next(rec));
  EXPECT_EQ(rec.cells.front(), "RowNumber");
  EXPECT_EQ(rec.cells.back(), "Exited");
  EXPECT_EQ(rec.cells.size(), 14u);
  int rows = 0;
  while (reader.next(rec)) {
    ++rows;
    EXPECT_EQ(rec.cells.size(), 14u);
    EXPECT_TRUE(rec.cells[13] == "0" || rec.cells[13] == "1");  // booleans spelled as in the file
  }
  EXPECT_EQ(rows, 30);
}

TEST(ExportCustomers, JsonLinesAreTypedObjectsInSchemaOrder) {
  TempStore store;
  import_fixture(*store, "telco_sample.csv");
  std::string out = export_all(*store, ExportFormat::kJsonl);
  std::istringstream in(out);
  std::string line;
  int rows = 0;
  while (std::getline(in, line)) {
    ++rows;
    auto j = nlohmann::json::parse(line);
    ASSERT_TRUE(j.is_object());
    EXPECT_TRUE(j.at("customer_id").is_string());
    EXPECT_TRUE(j.at("tenure_months").is_number_integer());
    EXPECT_TRUE(j.at("auto_pay").is_boolean());
    EXPECT_TRUE(j.at("Churn").is_boolean());
    EXPECT_TRUE(j.at("monthly_fee").is_number() || j.at("monthly_fee").is_null());
    EXPECT_EQ(line.rfind("{\"customer_id\":", 0), 0u) << line;  // first schema attribute first
  }
  EXPECT_EQ(rows, 24);
  EXPECT_NE(out.find("\"customer_id\":\"cust-0005\",\"full_name\":\"Barbara Liskov\",\"plan\":\"plus\","
                     "\"monthly_fee\":null"),
            std::string::npos);
}

TEST(ExportCustomers, FormulaLikeTextIsGuardedAndImportsBackUnchanged) {
  TempStore store;
  std::string text =
      "id,note,group\n"
      "a1,=SUM(A1:A9),x\n"
      "a2,+44 20 7946 0000,x\n"
      "a3,@cmd,x\n"
      "a4,-5,x\n"
      "a5,''=already quoted,x\n"
      "a6,\"plain, with comma\",x\n"
      "a7,-rf,x\n"
      "a8,fine,x\n";
  std::istringstream in(text);
  import_stream(*store, in);
  ASSERT_EQ(store->count_customers(), 8);
  EXPECT_EQ(store->find_customer("a1")->attributes.at("note"), "=SUM(A1:A9)");
  // A guard written by a previous export is removed on import.
  EXPECT_EQ(store->find_customer("a5")->attributes.at("note"), "'=already quoted");

  std::string out = export_all(*store, ExportFormat::kCsv);
  EXPECT_NE(out.find("\n"
                     "a1,'=SUM(A1:A9),x\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("\n"
                     "a2,'+44 20 7946 0000,x\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("\n"
                     "a3,'@cmd,x\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("\n"
                     "a4,-5,x\n"),
            std::string::npos)
      << out;  // a number, not a formula
  EXPECT_NE(out.find("\n"
                     "a6,\"plain, with comma\",x\n"),
            std::string::npos)
      << out;

  TempStore again;
  std::istringstream back(out);
  import_stream(*again, back);
  for (const char* id : {"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"})
    EXPECT_EQ(again->find_customer(id)->attributes.at("note"),
              store->find_customer(id)->attributes.at("note"))
        << id;
  EXPECT_EQ(again->find_customer("a5")->attributes.at("note"), "'=already quoted");
}

TEST(ExportCustomers, SinkCanStopEarly) {
  TempStore store;
  std::string text = "id,payload\n";
  for (int i = 0; i < 3000; ++i) text += "c" + std::to_string(i) + "," + std::string(100, 'p') + "\n";
  std::istringstream in(text);
  import_stream(*store, in);
  int pieces = 0;
  std::size_t bytes = 0;
  export_customers(*store, {}, ExportFormat::kCsv, [&](std::string_view piece) {
    ++pieces;
    bytes += piece.size();
    return false;
  });
  EXPECT_EQ(pieces, 1);
  EXPECT_LT(bytes, text.size());
  EXPECT_GE(bytes, 64u * 1024);
}

TEST(ExportCustomers, HonoursQueryFilters) {
  TempStore store;
  import_fixture(*store, "telco_sample.csv");
  storage::CustomerQuery q;
  q.filters.push_back({"plan", storage::FilterOp::kEq, {"basic"}});
  q.limit = 1;  // ignored: an export streams every match
  std::string out = export_all(*store, ExportFormat::kJsonl, q);
  int rows = 0;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    ++rows;
    EXPECT_EQ(nlohmann::json::parse(line).at("plan"), "basic");
  }
  EXPECT_GT(rows, 1);
}

TEST(ExportCustomers, FormatNames) {
  EXPECT_EQ(parse_export_format("csv"), ExportFormat::kCsv);
  EXPECT_EQ(parse_export_format("jsonl"), ExportFormat::kJsonl);
  EXPECT_THROW(parse_export_format("xlsx"), core::Invalid);
}

TEST(ExportCustomers, WithoutSchemaIsNotFound) {
  TempStore store;
  EXPECT_THROW(export_all(*store, ExportFormat::kCsv), core::NotFound);
}

}  // namespace
}  // namespace churnwatch::services
