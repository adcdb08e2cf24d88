#include "services/csv_reader.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "core/errors.hpp"
#include "services_test_support.hpp"

namespace churnwatch::services {
namespace {

using testing::expect_invalid;

std::vector<CsvRecord> read_all(const std::string& text, char delimiter = ',') {
  std::istringstream in(text);
  CsvReader reader(in, "test.csv", delimiter);
  std::vector<CsvRecord> out;
  CsvRecord rec;
  while (reader.next(rec)) out.push_back(rec);
  return out;
}

using Cells = std::vector<std::string>;

TEST(CsvReader, ReadsSimpleRecordsWithLineNumbers) {
  auto recs = read_all("a,b,c\n1,2,3\n4,5,6\n");
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].cells, (Cells{"a", "b", "c"}));
  EXPECT_EQ(recs[2].cells, (Cells{"4", "5", "6"}));
  EXPECT_EQ(recs[0].line, 1);
  EXPECT_EQ(recs[1].line, 2);
  EXPECT_EQ(recs[2].line, 3);
}

TEST(CsvReader, QuotedFieldsKeepCommasQuotesAndSpaces) {
  auto recs = read_all("name,note\n\"Smith, J\",\"said \"\"hi\"\"\"\n  padded ,\"\"\n");
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[1].cells, (Cells{"Smith, J", "said \"hi\""}));
  EXPECT_EQ(recs[2].cells, (Cells{"  padded ", ""}));
}

TEST(CsvReader, EmbeddedNewlinesShiftTheLineNumbersOfLaterRecords) {
  auto recs = read_all("id,note\n1,\"first\nsecond\nthird\"\n2,plain\n");
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[1].cells[1], "first\nsecond\nthird");
  EXPECT_EQ(recs[1].line, 2);
  EXPECT_EQ(recs[2].line, 5);
}

TEST(CsvReader, HandlesCrlfBomBlankLinesAndMissingFinalNewline) {
  auto recs = read_all("\xEF\xBB\xBFid,name\r\n1,\"a\r\nb\"\r\n\r\n2,c");
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].cells, (Cells{"id", "name"}));  // no BOM in the first name
  EXPECT_EQ(recs[1].cells[1], "a\r\nb");
  EXPECT_EQ(recs[2].cells, (Cells{"2", "c"}));
  EXPECT_EQ(recs[2].line, 5);
}

TEST(CsvReader, EmptyInputAndTrailingEmptyLineGiveNoExtraRecords) {
  EXPECT_TRUE(read_all("").empty());
  auto recs = read_all("a\n1\n\n");
  ASSERT_EQ(recs.size(), 2u);
}

TEST(CsvReader, EmptyCellsAreKept) {
  auto recs = read_all("a,b,c\n,,\n");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1].cells, (Cells{"", "", ""}));
}

TEST(CsvReader, OtherDelimiter) {
  auto recs = read_all("a;b\n\"x;y\";2\n", ';');
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1].cells, (Cells{"x;y", "2"}));
}

TEST(CsvReader, QuoteInsideUnquotedFieldNamesLineAndColumn) {
  auto e = expect_invalid([] { read_all("a,b\n1,2\n3,ab\"c\n"); });
  ASSERT_EQ(e.errors().size(), 1u);
  EXPECT_EQ(e.errors()[0].line, 3);
  EXPECT_EQ(e.errors()[0].column, 5);
  EXPECT_NE(std::string(e.what()).find("test.csv"), std::string::npos);
}

TEST(CsvReader, TextAfterClosingQuoteNamesLineAndColumn) {
  auto e = expect_invalid([] { read_all("a,b\n\"x\ny\",2\n3,\"ab\"c\n"); });
  ASSERT_EQ(e.errors().size(), 1u);
  EXPECT_EQ(e.errors()[0].line, 4);
  EXPECT_EQ(e.errors()[0].column, 7);
}

TEST(CsvReader, UnterminatedQuoteNamesWhereItOpened) {
  auto e = expect_invalid([] { read_all("a,b\n1,2\n3,\"open\nmore\nstill\n"); });
  ASSERT_EQ(e.errors().size(), 1u);
  EXPECT_EQ(e.errors()[0].line, 3);
  EXPECT_EQ(e.errors()[0].column, 3);
  EXPECT_NE(e.errors()[0].message.find("unterminated quoted field"), std::string::npos);
}

TEST(CsvReader, LinesLongerThanOneChunkAndManyRecords) {
  std::string big(200000, 'x');
  std::string text = "id,blob\n";
  for (int i = 0; i < 3; ++i) text += std::to_string(i) + ",\"" + big + "\"\n";
  for (int i = 3; i < 20000; ++i) text += std::to_string(i) + ",v\n";
  std::istringstream in(text);
  CsvReader reader(in, "big.csv");
  CsvRecord rec;
  long count = 0;
  while (reader.next(rec)) {
    if (count >= 1 && count <= 3) EXPECT_EQ(rec.cells[1].size(), big.size());
    ++count;
    EXPECT_EQ(rec.line, count);
  }
  EXPECT_EQ(count, 20001);  // with the header
  EXPECT_EQ(reader.bytes_read(), text.size());
}

}  // namespace
}  // namespace churnwatch::services
