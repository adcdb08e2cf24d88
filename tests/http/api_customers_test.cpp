// Customers through the REST API: import, list/filter/sort, CRUD, bulk,
// validation errors, export round trip, schema.
#include <gtest/gtest.h>

#include "http/api_harness.hpp"

namespace churnwatch {
namespace {

using test_support::ApiHarness;
using nlohmann::json;

class ApiCustomersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = api_.import_fixture("bank_sample.csv");
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(r.json()["created"], 30);
    ASSERT_TRUE(r.json()["schema_created"].get<bool>());
  }
  json list(const std::string& query, const std::string& role = "viewer") {
    auto r = api_.call(role, "GET", "/api/v1/customers" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? r.json() : json::object();
  }
  ApiHarness api_;
};

TEST_F(ApiCustomersTest, ImportInfersTheSchemaOfTheBankTable) {
  auto s = api_.call("viewer", "GET", "/api/v1/schema").json();
  auto role_of = [&](const std::string& name) {
    for (const auto& a : s["attributes"])
      if (a["name"] == name) return a["role"].get<std::string>() + "/" + a["type"].get<std::string>();
    return std::string("missing");
  };
  EXPECT_EQ(role_of("CustomerId"), "id/integer");
  EXPECT_EQ(role_of("Surname"), "display/text");
  EXPECT_EQ(role_of("RowNumber").substr(0, 7), "ignored");
  EXPECT_EQ(role_of("Exited"), "label/boolean");
  EXPECT_EQ(role_of("Geography"), "feature/category");
  EXPECT_EQ(role_of("HasCrCard"), "feature/boolean");
  EXPECT_EQ(s["version"], 1);
}

TEST_F(ApiCustomersTest, ListsWithPaginationSortAndFilters) {
  auto page = list("?limit=5&offset=0");
  EXPECT_EQ(page["total"], 30);
  EXPECT_EQ(page["items"].size(), 5u);

  auto by_age = list("?sort=-Age&limit=30");
  int previous = 1000;
  for (const auto& c : by_age["items"]) {
    EXPECT_LE(c["attributes"]["Age"].get<int>(), previous);
    previous = c["attributes"]["Age"];
  }

  auto germans = list("?Geography=Germany&limit=100");
  ASSERT_GT(germans["total"].get<int>(), 0);
  for (const auto& c : germans["items"]) EXPECT_EQ(c["attributes"]["Geography"], "Germany");

  auto ranged = list("?Age%5Bgte%5D=40&Age%5Blt%5D=50&limit=100");
  for (const auto& c : ranged["items"]) {
    EXPECT_GE(c["attributes"]["Age"].get<int>(), 40);
    EXPECT_LT(c["attributes"]["Age"].get<int>(), 50);
  }
  auto either = list("?Geography%5Bin%5D=Spain,Germany&limit=100");
  EXPECT_EQ(either["total"].get<int>(), germans["total"].get<int>() + list("?Geography=Spain")["total"].get<int>());

  auto bad = api_.call("viewer", "GET", "/api/v1/customers?Nope=1&limit=0");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["errors"].size(), 2u);
}

TEST_F(ApiCustomersTest, SearchFindsByDisplayNameAndId) {
  auto first = list("?limit=1")["items"][0];
  auto by_name = list("?q=" + first["display_name"].get<std::string>());
  EXPECT_GE(by_name["total"].get<int>(), 1);
  auto by_id = list("?q=" + first["id"].get<std::string>());
  EXPECT_EQ(by_id["items"][0]["id"], first["id"]);
}

TEST_F(ApiCustomersTest, CreateReadUpdateDelete) {
  json attrs = list("?limit=1")["items"][0]["attributes"];
  attrs["CustomerId"] = 99999999;
  attrs["Age"] = 33;
  auto viewer_try = api_.call("viewer", "POST", "/api/v1/customers", json{{"attributes", attrs}}.dump());
  EXPECT_EQ(viewer_try.status, 403);

  auto created = api_.call("analyst", "POST", "/api/v1/customers", json{{"attributes", attrs}}.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.header("location"), "/api/v1/customers/99999999");
  EXPECT_EQ(api_.call("analyst", "POST", "/api/v1/customers", attrs.dump()).status, 409);

  auto read = api_.call("viewer", "GET", "/api/v1/customers/99999999");
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(read.json()["attributes"]["Age"], 33);

  auto patched = api_.call("analyst", "PATCH", "/api/v1/customers/99999999", R"({"attributes":{"Age":"34"}})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.json()["attributes"]["Age"], 34);
  EXPECT_EQ(patched.json()["created_at"], read.json()["created_at"]);

  auto invalid = api_.call("analyst", "PATCH", "/api/v1/customers/99999999",
                           R"({"attributes":{"Age":"old","Geography":"Atlantis","Colour":"red"}})");
  ASSERT_EQ(invalid.status, 422);
  std::set<std::string> fields;
  const json problem = invalid.json();
  for (const auto& e : problem["errors"]) fields.insert(e["field"]);
  EXPECT_EQ(fields, (std::set<std::string>{"Age", "Geography", "Colour"}));

  EXPECT_EQ(api_.call("analyst", "DELETE", "/api/v1/customers/99999999").status, 204);
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/customers/99999999").status, 404);
}

TEST_F(ApiCustomersTest, BulkIsAllOrNothing) {
  json attrs = list("?limit=1")["items"][0]["attributes"];
  json a = attrs, b = attrs;
  a["CustomerId"] = 11111111;
  b["CustomerId"] = 22222222;
  b["Age"] = "not a number";
  auto failed = api_.call("analyst", "POST", "/api/v1/customers/bulk", json{{"create", {a, b}}}.dump());
  ASSERT_EQ(failed.status, 422) << failed.body;
  EXPECT_EQ(failed.json()["errors"][0]["field"], "create[1].Age");
  EXPECT_EQ(list("")["total"], 30);

  b["Age"] = 50;
  auto first_id = list("?limit=1")["items"][0]["id"].get<std::string>();
  auto ok = api_.call("analyst", "POST", "/api/v1/customers/bulk",
                      json{{"create", {a, b}},
                           {"update", {{{"id", first_id}, {"attributes", {{"Tenure", 9}}}}}},
                           {"delete", {list("?limit=1&offset=5")["items"][0]["id"]}}}
                          .dump());
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json(), (json{{"created", 2}, {"updated", 1}, {"deleted", 1}}));
  EXPECT_EQ(list("")["total"], 31);
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/customers/" + first_id).json()["attributes"]["Tenure"], 9);
}

TEST_F(ApiCustomersTest, BadImportReportsLinesAndChangesNothing) {
  std::string csv = test_support::fixture_text("bank_sample.csv");
  auto header_end = csv.find('\n');
  std::string bad = csv.substr(0, header_end + 1) +
                    "31,70000001,Smith,abc,France,Female,40,2,0,1,1,1,1000,0\n"
                    "32,70000002,Jones,600,Mars,Female,40,2,0,1,1,1,1000,0\n"
                    "33,70000003,\"Unclosed,600,France,Female,40,2,0,1,1,1,1000,0\n";
  auto before = api_.call("viewer", "GET", "/api/v1/customers/export").body;
  auto r = api_.call("analyst", "POST", "/api/v1/customers/import?mode=upsert", bad, "text/csv");
  ASSERT_EQ(r.status, 422) << r.body;
  auto errors = r.json()["errors"];
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0]["line"], 2);
  EXPECT_EQ(errors[0]["field"], "CreditScore");
  EXPECT_EQ(errors[0]["column"], 4);
  EXPECT_EQ(errors[1]["line"], 3);
  EXPECT_EQ(errors[1]["field"], "Geography");
  EXPECT_EQ(errors[2]["line"], 4);
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/customers/export").body, before);
}

TEST_F(ApiCustomersTest, ExportRoundTripsThroughImport) {
  auto csv = api_.call("viewer", "GET", "/api/v1/customers/export?format=csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.header("content-type").substr(0, 8), "text/csv");
  auto replaced = api_.call("analyst", "POST", "/api/v1/customers/import?mode=replace", csv.body, "text/csv");
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  EXPECT_EQ(replaced.json()["created"], 30);
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/customers/export?format=csv").body, csv.body);

  auto jsonl = api_.call("viewer", "GET", "/api/v1/customers/export?format=jsonl&Geography=France");
  ASSERT_EQ(jsonl.status, 200);
  std::istringstream lines(jsonl.body);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    EXPECT_EQ(json::parse(line)["Geography"], "France");
    ++n;
  }
  EXPECT_EQ(n, list("?Geography=France")["total"].get<int>());
}

TEST_F(ApiCustomersTest, MultipartUploadWithAnEditedSchema) {
  auto schema = api_.call("viewer", "GET", "/api/v1/schema").json();
  for (auto& a : schema["attributes"])
    if (a["name"] == "Tenure") a["role"] = "ignored";
  const std::string boundary = "----cwboundary";
  std::string body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"schema\"\r\n\r\n" + schema.dump() +
                     "\r\n--" + boundary +
                     "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bank.csv\"\r\n"
                     "Content-Type: text/csv\r\n\r\n" +
                     test_support::fixture_text("bank_sample.csv") + "\r\n--" + boundary + "--\r\n";
  auto r = api_.call("analyst", "POST", "/api/v1/customers/import?mode=upsert", body,
                     "multipart/form-data; boundary=" + boundary);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["updated"], 30);
  EXPECT_EQ(r.json()["schema_version"], 2);
  auto now = api_.call("viewer", "GET", "/api/v1/schema").json();
  for (const auto& a : now["attributes"])
    if (a["name"] == "Tenure") EXPECT_EQ(a["role"], "ignored");
}

TEST_F(ApiCustomersTest, SchemaPreviewAndReplace) {
  auto preview = api_.call("analyst", "POST", "/api/v1/schema/infer", test_support::fixture_text("telco_sample.csv"), "text/csv");
  ASSERT_EQ(preview.status, 200) << preview.body;
  EXPECT_EQ(preview.json()["version"], 0);
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/schema").json()["version"], 1);  // nothing stored

  auto schema = api_.call("viewer", "GET", "/api/v1/schema").json();
  for (auto& a : schema["attributes"])
    if (a["name"] == "Tenure") a["type"] = "number";
  auto put = api_.call("analyst", "PUT", "/api/v1/schema", schema.dump());
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json()["version"], 2);
  auto c = list("?limit=1")["items"][0];
  EXPECT_TRUE(c["attributes"]["Tenure"].is_number_float());

  for (auto& a : schema["attributes"])
    if (a["name"] == "Surname") { a["type"] = "category"; a["categories"] = {"Nobody"}; }
  auto refused = api_.call("analyst", "PUT", "/api/v1/schema", schema.dump());
  EXPECT_EQ(refused.status, 422);
  EXPECT_EQ(api_.call("viewer", "GET", "/api/v1/schema").json()["version"], 2);
}

TEST_F(ApiCustomersTest, MalformedAndDeepJsonAreRefused) {
  auto malformed = api_.call("analyst", "POST", "/api/v1/customers", "{\"attributes\": ");
  EXPECT_EQ(malformed.status, 400);
  std::string deep(100, '[');
  deep += std::string(100, ']');
  EXPECT_EQ(api_.call("analyst", "POST", "/api/v1/customers", deep).status, 422);
  EXPECT_EQ(api_.call("analyst", "POST", "/api/v1/customers", "{}", "text/plain").status, 422);
}

}  // namespace
}  // namespace churnwatch
