#include "alerts/message_builder.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "alerts/discord_standin.hpp"
#include "core/errors.hpp"

namespace churnwatch::alerts {
namespace {

using testing::DiscordStandin;

AlertItem item(int i, std::string name = {}) {
  AlertItem a;
  a.customer_id = "CUST-" + std::to_string(10000 + i);
  a.display_name = name.empty() ? "Customer " + std::to_string(i) : std::move(name);
  a.probability = 0.823;
  a.previous_probability = 0.61;
  a.risk_level = "high";
  a.reasons = {"Age 52 raises risk", "Inactive member", "Balance 0"};
  a.link_url = "https://churn.example.com/customers/" + std::to_string(i);
  a.severity = Severity::kCritical;
  return a;
}

std::vector<AlertItem> items(int n) {
  std::vector<AlertItem> out;
  for (int i = 0; i < n; ++i) out.push_back(item(i));
  return out;
}

// Every message must be accepted by the strict stand-in and by our own check.
void expect_acceptable(const std::vector<DiscordMessage>& messages) {
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto body = to_json(messages[i]);
    const auto errors = DiscordStandin::validate(body);
    EXPECT_TRUE(errors.empty()) << "message " << i << ": " << errors.dump();
    EXPECT_TRUE(limit_violations(messages[i]).empty()) << "message " << i;
    EXPECT_FALSE(messages[i].content.empty() && messages[i].embeds.empty());
  }
}

// Values of the fields named `name` or "name (k/n)" across all messages, joined in order.
std::string joined_field(const std::vector<DiscordMessage>& messages, const std::string& name) {
  std::string out;
  for (const auto& m : messages)
    for (const auto& e : m.embeds)
      for (const auto& f : e.fields)
        if (f.name == name || f.name.rfind(name + " (", 0) == 0) out += f.value;
  return out;
}

TEST(MessageBuilder, OneCustomerIsOneEmbedWithItsNumbersAndReasons) {
  const auto messages = build_alert_messages({item(1, "Ada Lovelace")});
  ASSERT_EQ(messages.size(), 1u);
  expect_acceptable(messages);
  const DiscordMessage& m = messages[0];
  EXPECT_NE(m.content.find("1 customer at risk, 1 critical"), std::string::npos) << m.content;
  ASSERT_EQ(m.embeds.size(), 1u);
  const Embed& e = m.embeds[0];
  EXPECT_EQ(e.title, "Ada Lovelace");
  EXPECT_EQ(e.url, "https://churn.example.com/customers/1");
  EXPECT_EQ(e.color, severity_color(Severity::kCritical));
  EXPECT_EQ(joined_field(messages, "Customer ID"), "CUST-10001");
  EXPECT_EQ(joined_field(messages, "Risk"), "82.3%");
  EXPECT_EQ(joined_field(messages, "Previous"), "61.0%");
  EXPECT_EQ(joined_field(messages, "Change"), "+21.3 pts");
  EXPECT_EQ(joined_field(messages, "Top reasons"),
            "1. Age 52 raises risk\n2. Inactive member\n3. Balance 0");
  EXPECT_NE(severity_color(Severity::kCritical), severity_color(Severity::kInfo));
}

TEST(MessageBuilder, TenCustomersShareOneMessageElevenNeedTwo) {
  auto ten = build_alert_messages(items(10));
  ASSERT_EQ(ten.size(), 1u);
  EXPECT_EQ(ten[0].embeds.size(), 10u);
  expect_acceptable(ten);

  auto eleven = build_alert_messages(items(11));
  ASSERT_EQ(eleven.size(), 2u);
  EXPECT_EQ(eleven[0].embeds.size(), 10u);
  EXPECT_EQ(eleven[1].embeds.size(), 1u);
  EXPECT_NE(eleven[0].content.find("(part 1/2)"), std::string::npos);
  EXPECT_NE(eleven[1].content.find("(part 2/2)"), std::string::npos);
  expect_acceptable(eleven);
}

TEST(MessageBuilder, TwoHundredFiftyCustomersAllArriveOnceInOrder) {
  const auto messages = build_alert_messages(items(250));
  EXPECT_EQ(messages.size(), 25u);
  expect_acceptable(messages);
  std::vector<std::string> ids;
  for (const auto& m : messages)
    for (const auto& e : m.embeds)
      for (const auto& f : e.fields)
        if (f.name == "Customer ID") ids.push_back(f.value);
  ASSERT_EQ(ids.size(), 250u);
  for (int i = 0; i < 250; ++i) EXPECT_EQ(ids[i], "CUST-" + std::to_string(10000 + i));
}

TEST(MessageBuilder, LongReasonsAreSplitAcrossFieldsWithoutLosingText) {
  AlertItem a = item(7);
  a.reasons = {std::string(900, 'a'), std::string(4000, 'b'), "short"};
  const auto messages = build_alert_messages({a});
  expect_acceptable(messages);
  const std::string expected =
      "1. " + std::string(900, 'a') + "\n2. " + std::string(4000, 'b') + "\n3. short";
  EXPECT_EQ(joined_field(messages, "Top reasons"), expected);
  ASSERT_EQ(messages.size(), 1u);
  ASSERT_EQ(messages[0].embeds.size(), 1u);
  std::size_t parts = 0;
  for (const auto& f : messages[0].embeds[0].fields) parts += f.name.rfind("Top reasons (", 0) == 0;
  EXPECT_EQ(parts, 5u);  // ~4900 characters in fields of at most 1024
}

TEST(MessageBuilder, HugeReasonsContinueInFurtherEmbedsAndMessages) {
  AlertItem a = item(8);
  a.reasons.clear();
  std::string expected;
  for (int i = 0; i < 60; ++i) {
    a.reasons.push_back("reason " + std::to_string(i) + " " + std::string(700, 'x'));
    expected += (i ? "\n" : "") + std::to_string(i + 1) + ". " + a.reasons.back();
  }
  auto batch = items(3);
  batch.insert(batch.begin() + 1, a);
  const auto messages = build_alert_messages(batch);
  expect_acceptable(messages);
  EXPECT_GT(messages.size(), 1u);
  EXPECT_EQ(joined_field(messages, "Top reasons").size(),
            expected.size() +
                3 * std::string("1. Age 52 raises risk\n2. Inactive member\n3. Balance 0").size());
  EXPECT_NE(joined_field(messages, "Top reasons").find(expected), std::string::npos);
  bool continued = false;
  for (const auto& m : messages)
    for (const auto& e : m.embeds) continued |= e.title == "Customer 8 (continued)";
  EXPECT_TRUE(continued);
}

TEST(MessageBuilder, LengthsAreCodePointsNotBytes) {
  std::string accented;
  for (int i = 0; i < 200; ++i) accented += "\u00e9";  // 2 bytes each: 400 bytes, 200 characters
  auto m = build_alert_messages({item(1, accented)});
  expect_acceptable(m);
  EXPECT_EQ(m[0].embeds[0].title, accented);  // fits 256 characters: not shortened

  std::string fire;
  for (int i = 0; i < 300; ++i) fire += "\U0001F525";  // 300 characters, 1200 bytes
  m = build_alert_messages({item(2, fire)});
  expect_acceptable(m);
  const std::string& title = m[0].embeds[0].title;
  EXPECT_EQ(char_count(title), 256u);
  EXPECT_EQ(title.substr(title.size() - 3), "\u2026");
  EXPECT_EQ(joined_field(m, "Full name"), fire);  // the full name is still delivered
}

TEST(MessageBuilder, SixThousandCharacterTotalSplitsMessagesBeforeTenEmbeds) {
  auto batch = items(10);
  for (auto& a : batch) a.reasons = {std::string(1000, 'r'), std::string(900, 's')};
  const auto messages = build_alert_messages(batch);
  expect_acceptable(messages);
  EXPECT_GT(messages.size(), 1u);
  std::size_t embeds = 0;
  for (const auto& m : messages) {
    EXPECT_LE(message_embed_chars(m), kMaxEmbedTotal);
    EXPECT_LT(m.embeds.size(), 10u);
    embeds += m.embeds.size();
  }
  EXPECT_EQ(embeds, 10u);
}

TEST(MessageBuilder, RunSummaryCountsLevelsAndListsTopRisers) {
  RunSummary s;
  s.run_id = "run-42";
  s.model_version = "v7";
  s.customers_scored = 10000;
  s.counts_by_level = {{"low", 7000}, {"medium", 2200}, {"high", 800}};
  s.alerts_raised = 12;
  s.top_risers = {item(1, "Ada"), item(2, "Grace")};
  const auto messages = build_run_summary_messages(s);
  ASSERT_EQ(messages.size(), 1u);
  expect_acceptable(messages);
  EXPECT_EQ(joined_field(messages, "Level: high"), "800");
  EXPECT_EQ(joined_field(messages, "Customers scored"), "10000");
  EXPECT_EQ(joined_field(messages, "Top risers"),
            "1. Ada (CUST-10001) \u2014 61.0% \u2192 82.3% (+21.3 pts)\n"
            "2. Grace (CUST-10002) \u2014 61.0% \u2192 82.3% (+21.3 pts)");

  for (int i = 0; i < 500; ++i) s.top_risers.push_back(item(i));
  for (int i = 0; i < 40; ++i) s.counts_by_level.push_back({"segment " + std::to_string(i), 1});
  const auto big = build_run_summary_messages(s);
  expect_acceptable(big);
  EXPECT_NE(joined_field(big, "Top risers").find("502. Customer 499 (CUST-10499)"),
            std::string::npos);
  EXPECT_EQ(joined_field(big, "Level: segment 39"), "1");

  s.counts_by_level = {{std::string(300, 'L'), 3}};
  const auto long_level = build_run_summary_messages(s);
  expect_acceptable(long_level);
  EXPECT_EQ(joined_field(long_level, "Level"), std::string(300, 'L') + ": 3");
}

TEST(MessageBuilder, OptionsBeyondLimitsAreRejectedNotTruncated) {
  MessageOptions o;
  o.heading = std::string(300, 'h');
  EXPECT_THROW(build_alert_messages(items(1), o), core::Invalid);
  o = {};
  o.username = std::string(81, 'u');
  EXPECT_THROW(build_alert_messages(items(1), o), core::Invalid);
  EXPECT_TRUE(build_alert_messages({}).empty());
}

TEST(MessageBuilder, SplitTextKeepsEveryCharacterAndUtf8Boundaries) {
  std::string text;
  for (int i = 0; i < 700; ++i)
    text += (i % 9 == 0) ? "\n" : (i % 5 == 0 ? " " : "\u00fc\U0001F600");
  const auto pieces = split_text(text, 100);
  std::string back;
  for (const auto& p : pieces) {
    EXPECT_LE(char_count(p), 100u);
    EXPECT_FALSE(p.empty());
    EXPECT_EQ(DiscordStandin::code_points(p), char_count(p));
    back += p;
  }
  EXPECT_EQ(back, text);
  EXPECT_EQ(split_text("", 10), std::vector<std::string>{""});
}

}  // namespace
}  // namespace churnwatch::alerts
