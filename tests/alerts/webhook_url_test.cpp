#include "alerts/webhook_url.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "core/errors.hpp"

namespace churnwatch::alerts {
namespace {

const std::string kToken = "Xy9_abc-DEFghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXyZ7q";

WebhookUrlPolicy defaults() { return WebhookUrlPolicy{}; }

std::string rejection(const std::string& url, const WebhookUrlPolicy& p = defaults()) {
  try {
    parse_webhook_url(url, p);
  } catch (const core::Invalid& e) {
    EXPECT_EQ(std::string(e.what()).find(kToken), std::string::npos) << "token leaked in error";
    return e.what();
  }
  return "accepted";
}

TEST(WebhookUrl, ParsesDiscordUrlsOnEveryDiscordHost) {
  for (const std::string host :
       {"discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com"}) {
    const auto t = parse_webhook_url(
        "https://" + host + "/api/webhooks/123456789012345678/" + kToken, defaults());
    EXPECT_EQ(t.id, "123456789012345678");
    EXPECT_EQ(t.token, kToken);
    EXPECT_EQ(t.host, host);
    EXPECT_EQ(t.endpoint, "https://" + host + "/api/webhooks/123456789012345678/" + kToken);
  }
  const auto v10 =
      parse_webhook_url("https://Discord.com/api/v10/webhooks/42/" + kToken + "/", defaults());
  EXPECT_EQ(v10.endpoint, "https://discord.com/api/v10/webhooks/42/" + kToken);
  const auto thread = parse_webhook_url(
      "https://discord.com/api/webhooks/42/" + kToken + "?thread_id=77", defaults());
  ASSERT_TRUE(thread.thread_id);
  EXPECT_EQ(*thread.thread_id, "77");
}

TEST(WebhookUrl, RejectsAnythingElse) {
  const std::string path = "/api/webhooks/42/" + kToken;
  EXPECT_NE(rejection("http://discord.com" + path).find("https required"), std::string::npos);
  EXPECT_NE(rejection("https://evil.example" + path).find("not an allowed"), std::string::npos);
  EXPECT_NE(rejection("https://discord.com.evil.example" + path).find("not an allowed"),
            std::string::npos);
  EXPECT_NE(rejection("https://user:pw@discord.com" + path).find("user information"),
            std::string::npos);
  EXPECT_NE(rejection("https://discord.com" + path + "#x").find("fragment"), std::string::npos);
  EXPECT_NE(rejection("https://discord.com" + path + "?next=http://x").find("query"),
            std::string::npos);
  EXPECT_NE(rejection("https://discord.com/api/webhook/42/" + kToken).find("path"),
            std::string::npos);
  EXPECT_NE(rejection("https://discord.com/api/webhooks/abc/" + kToken).find("id"),
            std::string::npos);
  EXPECT_NE(rejection("https://discord.com/api/webhooks/42").find("path"), std::string::npos);
  EXPECT_NE(rejection("https://discord.com/api/webhooks/42/" + kToken + "/extra").find("path"),
            std::string::npos);
  EXPECT_NE(rejection("https://discord.com/api/webhooks/42/to%2Fken").find("token"),
            std::string::npos);
  EXPECT_NE(rejection("discord.com" + path), "accepted");
  EXPECT_NE(rejection(""), "accepted");
  EXPECT_NE(rejection("ftp://discord.com" + path), "accepted");
  EXPECT_NE(rejection("https://127.0.0.1:9" + path).find("not an allowed"), std::string::npos);
  // Discord's hosts only on Discord's port.
  EXPECT_NE(rejection("https://discord.com:8443" + path).find("not an allowed"), std::string::npos);
  EXPECT_NE(rejection("https://discord.com:25" + path).find("not an allowed"), std::string::npos);
  EXPECT_EQ(rejection("https://discord.com:443" + path), "accepted");
}

TEST(WebhookUrl, LoopbackNeedsTheAllowListAndOnlyLoopbackMayUseHttp) {
  WebhookUrlPolicy p;
  p.allowed_hosts.push_back("127.0.0.1");
  p.allowed_hosts.push_back("hooks.internal");
  p.allowed_hosts.push_back("relay.internal:8443");
  const auto t = parse_webhook_url("http://127.0.0.1:5555/api/webhooks/42/" + kToken, p);
  EXPECT_EQ(t.endpoint, "http://127.0.0.1:5555/api/webhooks/42/" + kToken);
  EXPECT_NE(rejection("http://hooks.internal/api/webhooks/42/" + kToken, p).find("https required"),
            std::string::npos);
  EXPECT_EQ(rejection("https://hooks.internal:9999/api/webhooks/42/" + kToken, p), "accepted");
  EXPECT_EQ(rejection("https://relay.internal:8443/api/webhooks/42/" + kToken, p), "accepted");
  EXPECT_NE(rejection("https://relay.internal:8444/api/webhooks/42/" + kToken, p), "accepted");
}

TEST(WebhookUrl, AllowListWidensFromTheEnvironment) {
  ::setenv(std::string(kAllowHostsEnv).c_str(), " 127.0.0.1 , Relay.Internal:8443,,", 1);
  const auto p = WebhookUrlPolicy::from_env();
  ::unsetenv(std::string(kAllowHostsEnv).c_str());
  EXPECT_EQ(p.allowed_hosts.size(), 6u);
  EXPECT_EQ(p.allowed_hosts[0], "discord.com:443");
  EXPECT_EQ(p.allowed_hosts[4], "127.0.0.1");
  EXPECT_EQ(p.allowed_hosts[5], "relay.internal:8443");
  EXPECT_EQ(WebhookUrlPolicy::from_env().allowed_hosts.size(), 4u);
}

TEST(WebhookUrl, MaskShowsOnlyTheLastFourTokenCharacters) {
  const auto t = parse_webhook_url("https://discord.com/api/webhooks/42/" + kToken, defaults());
  EXPECT_EQ(t.mask(),
            "https://discord.com/api/webhooks/42/****" + kToken.substr(kToken.size() - 4));
  EXPECT_EQ(t.mask().find(kToken.substr(0, 10)), std::string::npos);
  const auto short_token = parse_webhook_url("https://discord.com/api/webhooks/42/abc", defaults());
  EXPECT_EQ(short_token.mask(), "https://discord.com/api/webhooks/42/****");
  EXPECT_EQ(mask_webhook_url("https://x/api/webhooks/42/" + kToken + "?wait=true"),
            "https://x/api/webhooks/42/****" + kToken.substr(kToken.size() - 4));
}

}  // namespace
}  // namespace churnwatch::alerts
