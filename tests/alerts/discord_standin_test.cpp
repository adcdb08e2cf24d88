// The stand-in must be as strict as Discord, or the tests that rely on it
// prove nothing: these show it rejects what Discord rejects.
#include "alerts/discord_standin.hpp"

#include <gtest/gtest.h>

#include "http/test_client.hpp"

namespace churnwatch::alerts::testing {
namespace {

using nlohmann::json;
using test_support::TestClient;
using test_support::TestResponse;

// A generous rate limit, so that limit checks are not cut short by a 429.
struct StandinFixture : ::testing::Test {
  DiscordStandin standin{{100, std::chrono::milliseconds(2000)}};
  TestClient client{standin.port()};
  std::string path = std::string("/api/webhooks/") + DiscordStandin::kDefaultId + "/" +
                     DiscordStandin::kDefaultToken;

  TestResponse post(const json& body, const std::string& query = "") {
    return client.request("POST", path + query, body.dump(),
                          {{"Content-Type", "application/json"}});
  }
};

TEST_F(StandinFixture, AcceptsAValidMessageAndAnswersWithItWhenAskedToWait) {
  auto r = post({{"content", "hello"}});
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.header("x-ratelimit-limit"), "100");
  EXPECT_EQ(r.header("x-ratelimit-remaining"), "99");
  EXPECT_FALSE(r.header("x-ratelimit-reset-after").empty());
  r = post({{"content", "again"}}, "?wait=true");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["content"], "again");
  EXPECT_FALSE(r.json()["id"].get<std::string>().empty());
  EXPECT_EQ(standin.received().size(), 2u);
}

TEST_F(StandinFixture, RejectsEveryLimitWithDiscordsErrorPaths) {
  std::string emoji2000;
  for (int i = 0; i < 2000; ++i) emoji2000 += "\U0001F525";
  EXPECT_EQ(post({{"content", emoji2000}}).status, 204);  // 2000 characters, 8000 bytes
  auto r = post({{"content", emoji2000 + "x"}});
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["code"], 50035);
  EXPECT_TRUE(r.json()["errors"]["content"].contains("_errors"));

  r = post({{"embeds", {{{"title", std::string(257, 't')}}}}});
  ASSERT_EQ(r.status, 400);
  EXPECT_TRUE(r.json()["errors"]["embeds"]["0"]["title"].contains("_errors"));

  r = post({{"embeds", {{{"fields", {{{"name", "n"}, {"value", std::string(1025, 'v')}}}}}}}});
  ASSERT_EQ(r.status, 400);
  EXPECT_TRUE(r.json()["errors"]["embeds"]["0"]["fields"]["0"]["value"].contains("_errors"));

  r = post({{"embeds", {{{"fields", {{{"name", ""}, {"value", "v"}}}}}}}});
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["errors"]["embeds"]["0"]["fields"]["0"]["name"]["_errors"][0]["code"],
            "BASE_TYPE_REQUIRED");

  json eleven = json::array();
  for (int i = 0; i < 11; ++i) eleven.push_back({{"title", "t"}});
  EXPECT_EQ(post({{"embeds", eleven}}).status, 400);

  json fields = json::array();
  for (int i = 0; i < 26; ++i) fields.push_back({{"name", "n"}, {"value", "v"}});
  EXPECT_EQ(post({{"embeds", {{{"fields", fields}}}}}).status, 400);
}

TEST_F(StandinFixture, EnforcesTheSixThousandTotalAcrossEmbeds) {
  StandinFixture::standin.add_webhook("5", "other-token");
  path = "/api/webhooks/5/other-token";
  json ok = {
      {"embeds",
       {{{"description", std::string(3000, 'a')}}, {{"description", std::string(3000, 'b')}}}}};
  EXPECT_EQ(post(ok).status, 204);
  json over = {{"embeds",
                {{{"description", std::string(3000, 'a')}},
                 {{"title", "x"}, {"description", std::string(3000, 'b')}}}}};
  auto r = post(over);
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["errors"]["embeds"]["_errors"][0]["code"], "MAX_EMBED_SIZE_EXCEEDED");
  json footer = {{"embeds", {{{"footer", {{"text", std::string(2049, 'f')}}}}}}};
  EXPECT_EQ(post(footer).status, 400);
}

TEST_F(StandinFixture, RejectsEmptyMessagesWrongContentTypeAndBadJson) {
  auto r = post(json::object());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["code"], 50006);
  EXPECT_EQ(post({{"content", ""}, {"embeds", json::array()}}).json()["code"], 50006);
  r = client.request("POST", path, "{\"content\":\"x\"}", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(r.status, 400);
  r = client.request("POST", path, "{\"content\":", {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["code"], 50109);
  EXPECT_TRUE(standin.received().empty());
}

TEST_F(StandinFixture, UnknownWebhookAndWrongToken) {
  auto r = client.request("POST", "/api/webhooks/999/x", "{\"content\":\"x\"}",
                          {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.json()["code"], 10015);
  r = client.request("POST", std::string("/api/webhooks/") + DiscordStandin::kDefaultId + "/wrong",
                     "{\"content\":\"x\"}", {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.json()["code"], 50027);
}

TEST(DiscordStandin, EnforcesItsRateLimitWithReal429s) {
  DiscordStandin standin;  // 5 per 2 s, like a Discord webhook
  TestClient client{standin.port()};
  const std::string path = std::string("/api/webhooks/") + DiscordStandin::kDefaultId + "/" +
                           DiscordStandin::kDefaultToken;
  const auto post = [&](const json& body) {
    return client.request("POST", path, body.dump(), {{"Content-Type", "application/json"}});
  };
  for (int i = 0; i < 5; ++i) EXPECT_EQ(post({{"content", "m"}}).status, 204);
  auto r = post({{"content", "m"}});
  ASSERT_EQ(r.status, 429);
  EXPECT_EQ(r.header("x-ratelimit-remaining"), "0");
  EXPECT_GT(r.json()["retry_after"].get<double>(), 0.0);
  EXPECT_EQ(r.json()["global"], false);
  EXPECT_EQ(standin.enforced_429s(), 1);
  EXPECT_EQ(standin.received().size(), 5u);
}

TEST_F(StandinFixture, ScriptedFaultsAnswerTheNextRequests) {
  standin.fail_next(1, DiscordStandin::Fault::k429Global, 1.5);
  standin.fail_next(1, DiscordStandin::Fault::k500);
  auto r = post({{"content", "m"}});
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.json()["global"], true);
  EXPECT_EQ(r.json()["retry_after"], 1.5);
  EXPECT_EQ(r.header("x-ratelimit-global"), "true");
  EXPECT_EQ(post({{"content", "m"}}).status, 500);
  EXPECT_EQ(post({{"content", "m"}}).status, 204);
}

}  // namespace
}  // namespace churnwatch::alerts::testing
