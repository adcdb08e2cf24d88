#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "services/customer_io.hpp"
#include "services/demo_data.hpp"
#include "services_test_support.hpp"

namespace churnwatch::services {
namespace {

using testing::expect_invalid;
using testing::TempStore;

const std::string kHeader =
    "RowNumber,CustomerId,Surname,CreditScore,Geography,Gender,Age,Tenure,Balance,NumOfProducts,"
    "HasCrCard,IsActiveMember,EstimatedSalary,Exited\n";

ImportResult import_text(storage::Store& store, const std::string& text, ImportOptions options = {}) {
  std::istringstream in(text);
  if (options.source == "input") options.source = "customers.csv";
  return import_csv(store, in, options);
}

ImportResult import_fixture(storage::Store& store, const std::string& name) {
  std::ifstream in(testing::fixture_path(name));
  EXPECT_TRUE(in) << "missing fixture " << name;
  ImportOptions options;
  options.source = name;
  return import_csv(store, in, options);
}

std::string export_csv(storage::Store& store) {
  std::string out;
  export_customers(store, storage::CustomerQuery{}, ExportFormat::kCsv, [&](std::string_view piece) {
    out.append(piece);
    return true;
  });
  return out;
}

bool has_error(const core::Error& e, const std::string& field, long line, std::optional<long> column,
               const std::string& message_part) {
  for (const auto& fe : e.errors())
    if (fe.field == field && fe.line == line && fe.column == column &&
        fe.message.find(message_part) != std::string::npos)
      return true;
  return false;
}

std::string describe(const core::Error& e) {
  std::string out = e.what();
  for (const auto& fe : e.errors())
    out += "\n  field=" + fe.field + " line=" + std::to_string(fe.line.value_or(-1)) +
           " column=" + std::to_string(fe.column.value_or(-1)) + ": " + fe.message;
  return out;
}

TEST(ImportCsv, InfersSchemaAndStoresTypedCustomers) {
  TempStore store;
  ImportResult r = import_fixture(*store, "bank_sample.csv");
  EXPECT_EQ(r.created, 30);
  EXPECT_EQ(r.updated, 0);
  EXPECT_TRUE(r.schema_created);
  EXPECT_EQ(r.schema_version, 1);
  EXPECT_EQ(store->count_customers(), 30);
  auto schema = store->current_schema();
  ASSERT_TRUE(schema);
  EXPECT_EQ(schema->id_attribute().name, "CustomerId");

  // Row 1 of the fixture: 1,15565707,Ward,688,France,Female,47,8,109143.88,2,1,0,198723.15,0
  auto c = store->find_customer("15565707");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->display_name, "Ward");
  ASSERT_TRUE(c->label.has_value());
  EXPECT_EQ(*c->label, 0);
  EXPECT_EQ(c->attributes.at("Age"), 47);
  EXPECT_TRUE(c->attributes.at("Age").is_number_integer());
  EXPECT_EQ(c->attributes.at("Geography"), "France");
  EXPECT_EQ(c->attributes.at("HasCrCard"), true);
  EXPECT_EQ(c->attributes.at("IsActiveMember"), false);
  EXPECT_DOUBLE_EQ(c->attributes.at("Balance").get<double>(), 109143.88);
}

TEST(ImportCsv, ReportsProgressEndingAtOne) {
  TempStore store;
  std::stringstream csv;
  write_demo_csv(csv, 10000, 5);
  std::string text = csv.str();
  std::vector<double> fractions;
  ImportOptions options;
  options.total_bytes = text.size();
  options.progress = [&](double f, std::string_view) { fractions.push_back(f); };
  auto r = import_text(*store, text, options);
  EXPECT_EQ(r.created, 10000);
  ASSERT_GE(fractions.size(), 5u);  // about every 1%, as far as 64 KiB reads allow
  EXPECT_EQ(fractions.back(), 1.0);
  for (std::size_t i = 1; i < fractions.size(); ++i) EXPECT_GE(fractions[i], fractions[i - 1]);
}

TEST(ImportCsv, ProgressMessagesCountTheRowsReadThenImported) {
  TempStore store;
  std::stringstream csv;
  write_demo_csv(csv, 2000, 5);
  const std::string text = csv.str();
  std::vector<std::string> messages;
  ImportOptions options;
  options.total_bytes = text.size();
  options.progress = [&](double, std::string_view m) { messages.emplace_back(m); };
  import_text(*store, text, options);
  ASSERT_GE(messages.size(), 3u);
  EXPECT_EQ(messages.front(), "inferring the schema from the first 10000 rows");
  EXPECT_NE(std::find(messages.begin(), messages.end(), "saving 2000 rows"), messages.end());
  EXPECT_EQ(messages.back(), "imported 2000 rows");
  // In between, the rows read so far, rising to all of them.
  long last = 0;
  for (const auto& m : messages) {
    if (m.rfind("read ", 0) != 0) continue;
    const long n = std::stol(m.substr(5));
    EXPECT_GE(n, last) << m;
    last = n;
  }
  EXPECT_GT(last, 1000);
}

TEST(ImportCsv, AFailedImportsLastProgressCountsTheErrors) {
  TempStore store;
  import_fixture(*store, "bank_sample.csv");
  std::string bad = kHeader;
  bad += "1,900001,Ok,600,France,Male,40,1,0,1,1,1,5000,0\n";
  bad += "2,900002,Bad,600,France,Male,forty,1,0,1,1,1,5000,0\n";
  bad += "3,900003,Bad,600,France,Male,fifty,1,0,1,1,1,5000,0\n";
  std::vector<std::pair<double, std::string>> reports;
  ImportOptions options;
  options.total_bytes = bad.size();
  options.progress = [&](double f, std::string_view m) { reports.emplace_back(f, m); };
  expect_invalid([&] { import_text(*store, bad, options); });
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports.back().second, "read 3 rows, 2 errors; nothing was imported");
  EXPECT_LT(reports.back().first, 1.0) << "a failed import never reports done";
}

TEST(ImportCsv, EveryErrorKindIsReportedAndNothingIsWritten) {
  TempStore store;
  import_fixture(*store, "bank_sample.csv");
  const std::string before = export_csv(*store);

  std::string bad = kHeader;
  bad += "1,900001,Ok,600,France,Male,40,1,0,1,1,1,5000,0\n";       // line 2: fine
  bad += "2,900002,Bad,600,France,Male,forty,1,0,1,1,1,5000,0\n";   // 3: Age not a number
  bad += "3,900003,Bad,600,Italy,Male,40,1,0,1,1,1,5000,0\n";       // 4: unknown category
  bad += "4,900004,Bad,600,France,Male,40,1,0,1\n";                 // 5: too few columns
  bad += "5,900001,Dup,600,France,Male,40,1,0,1,1,1,5000,0\n";      // 6: duplicate in file
  bad += "6,15565707,Dup,600,France,Male,40,1,0,1,1,1,5000,0\n";    // 7: exists in store
  bad += "7,,NoId,600,France,Male,40,1,0,1,1,1,5000,0\n";           // 8: empty id
  bad += "8,900008,Bad,600,France,Male,40,1,0,1,maybe,1,5000,0\n";  // 9: not a boolean
  auto e = expect_invalid([&] { import_text(*store, bad); });
  EXPECT_EQ(std::string(e.what()), "7 errors in customers.csv") << describe(e);
  EXPECT_TRUE(has_error(e, "Age", 3, 7, "expected a whole number")) << describe(e);
  EXPECT_TRUE(has_error(e, "Geography", 4, 5, "unknown category 'Italy'")) << describe(e);
  EXPECT_TRUE(has_error(e, "", 5, 11, "expected 14 columns, got 10")) << describe(e);
  EXPECT_TRUE(has_error(e, "CustomerId", 6, 2, "duplicate id '900001' (first on line 2)")) << describe(e);
  EXPECT_TRUE(has_error(e, "CustomerId", 7, 2, "already exists")) << describe(e);
  EXPECT_TRUE(has_error(e, "CustomerId", 8, 2, "must not be empty")) << describe(e);
  EXPECT_TRUE(has_error(e, "HasCrCard", 9, 11, "expected 1/0")) << describe(e);

  EXPECT_EQ(store->count_customers(), 30);
  EXPECT_FALSE(store->find_customer("900001"));
  EXPECT_EQ(export_csv(*store), before);
  EXPECT_EQ(store->current_schema()->version, 1);
}

TEST(ImportCsv, HeaderProblemsNameTheColumns) {
  TempStore store;
  import_fixture(*store, "bank_sample.csv");
  std::string text =
      "RowNumber,Surname,CreditScore,Geography,Gender,Age,Tenure,Balance,NumOfProducts,"
      "HasCrCard,IsActiveMember,EstimatedSalary,Exited,Shoe "
      "Size\n1,X,600,France,Male,40,1,0,1,1,1,5000,0,42\n";
  auto e = expect_invalid([&] { import_text(*store, text); });
  EXPECT_TRUE(has_error(e, "Shoe Size", 1, 14, "unknown column 'Shoe Size'")) << describe(e);
  EXPECT_TRUE(has_error(e, "CustomerId", 1, std::nullopt, "id column 'CustomerId' is missing"))
      << describe(e);
  EXPECT_EQ(store->count_customers(), 30);
}

TEST(ImportCsv, MalformedQuotingIsAnErrorWithPosition) {
  TempStore store;
  import_fixture(*store, "bank_sample.csv");
  std::string text = kHeader + "1,900001,\"Ok\",600,France,Male,40,1,0,1,1,1,5000,0\n" +
                     "2,900002,O\"Brien,600,France,Male,40,1,0,1,1,1,5000,0\n";
  auto e = expect_invalid([&] { import_text(*store, text); });
  EXPECT_TRUE(has_error(e, "", 3, 11, "quote")) << describe(e);
  EXPECT_EQ(store->count_customers(), 30);
}

TEST(ImportCsv, StopsCollectingAtMaxErrors) {
  TempStore store;
  import_fixture(*store, "bank_sample.csv");
  std::string text = kHeader;
  for (int i = 0; i < 50; ++i)
    text +=
        std::to_string(i) + "," + std::to_string(800000 + i) + ",X,600,France,Male,old,1,0,1,1,1,5000,0\n";
  ImportOptions options;
  options.max_errors = 5;
  auto e = expect_invalid([&] { import_text(*store, text, options); });
  EXPECT_EQ(e.errors().size(), 5u);
}

TEST(ImportCsv, UpsertUpdatesAndCreates) {
  TempStore store;
  import_fixture(*store, "bank_sample.csv");
  std::string text = kHeader + "1,15565707,Ward-Smith,700,Spain,Female,48,8,0,2,1,1,198723.15,1\n" +
                     "31,900031,Newman,610,France,Male,33,2,0,1,0,1,45000.5,\n";
  ImportOptions options;
  options.mode = storage::WriteMode::kUpsert;
  auto r = import_text(*store, text, options);
  EXPECT_EQ(r.created, 1);
  EXPECT_EQ(r.updated, 1);
  EXPECT_FALSE(r.schema_created);
  EXPECT_EQ(store->count_customers(), 31);
  auto c = store->find_customer("15565707");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->display_name, "Ward-Smith");
  EXPECT_EQ(c->attributes.at("Geography"), "Spain");
  EXPECT_EQ(c->label, 1);
  auto n = store->find_customer("900031");
  ASSERT_TRUE(n);
  EXPECT_FALSE(n->label.has_value());  // empty label cell: unknown
}

TEST(ImportCsv, InsertModeRejectsExistingIds) {
  TempStore store;
  import_fixture(*store, "bank_sample.csv");
  auto e = expect_invalid([&] { import_fixture(*store, "bank_sample.csv"); });
  EXPECT_EQ(std::string(e.what()), "30 errors in bank_sample.csv");
  EXPECT_EQ(store->count_customers(), 30);
}

TEST(ImportCsv, ReplaceModeKeepsOnlyTheNewFile) {
  TempStore store;
  import_fixture(*store, "bank_sample.csv");
  std::string text = kHeader + "1,900001,Only,600,Germany,Male,40,1,0,1,1,1,5000,0\n";
  ImportOptions options;
  options.mode = storage::WriteMode::kReplace;
  auto r = import_text(*store, text, options);
  EXPECT_EQ(r.created, 1);
  EXPECT_EQ(store->count_customers(), 1);
  EXPECT_TRUE(store->find_customer("900001"));
  EXPECT_FALSE(store->find_customer("15565707"));
}

TEST(ImportCsv, GivenSchemaIsStoredAsNewVersion) {
  TempStore store;
  import_fixture(*store, "bank_sample.csv");
  core::DatasetSchema schema = *store->current_schema();
  for (auto& a : schema.attributes)
    if (a.name == "Geography") a.categories.push_back("Italy");
  ImportOptions options;
  options.schema = schema;
  options.mode = storage::WriteMode::kUpsert;
  auto r = import_text(*store, kHeader + "1,900001,Rossi,600,Italy,Male,40,1,0,1,1,1,5000,0\n", options);
  EXPECT_EQ(r.schema_version, 2);
  EXPECT_EQ(store->current_schema()->version, 2);
  EXPECT_EQ(store->find_customer("900001")->attributes.at("Geography"), "Italy");
}

TEST(ImportCsv, InferredCategoriesGrowWithValuesAfterTheSample) {
  TempStore store;
  std::string text = "id,plan,spend\n";
  for (int i = 0; i < 10050; ++i) {
    const char* plan = i < 10020 ? (i % 2 ? "basic" : "plus") : "enterprise";
    text += "c" + std::to_string(i) + "," + plan + "," + std::to_string(i % 97) + "\n";
  }
  auto r = import_text(*store, text);
  EXPECT_EQ(r.created, 10050);
  const auto schema = store->current_schema();
  ASSERT_TRUE(schema);
  const auto* plan = schema->find("plan");
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(plan->categories, (std::vector<std::string>{"plus", "basic", "enterprise"}));
  EXPECT_EQ(store->find_customer("c10040")->attributes.at("plan"), "enterprise");
}

TEST(ImportCsv, EmptyFileIsInvalid) {
  TempStore store;
  EXPECT_THROW(import_text(*store, ""), core::Invalid);
  EXPECT_FALSE(store->current_schema());
}

}  // namespace
}  // namespace churnwatch::services
