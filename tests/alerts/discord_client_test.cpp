#include "alerts/discord_client.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "alerts/discord_standin.hpp"
#include "alerts/message_builder.hpp"

namespace churnwatch::alerts {
namespace {

using testing::DiscordStandin;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

WebhookUrlPolicy loopback_policy() {
  WebhookUrlPolicy p;
  p.allowed_hosts.push_back("127.0.0.1");
  return p;
}

DiscordClientOptions fast_options() {
  DiscordClientOptions o;
  o.backoff_initial = milliseconds(40);
  o.backoff_max = milliseconds(200);
  o.connect_timeout = milliseconds(1000);
  o.request_timeout = milliseconds(3000);
  o.user_agent = "churnwatch-test/1.0";
  return o;
}

DiscordMessage text(const std::string& content) {
  DiscordMessage m;
  m.content = content;
  m.username = "churnwatch";
  return m;
}

long long ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<milliseconds>(b - a).count();
}

struct ClientFixture : ::testing::Test {
  DiscordStandin standin;
  DiscordClient client{fast_options()};
  WebhookTarget target = parse_webhook_url(standin.url(), loopback_policy());
};

TEST_F(ClientFixture, DeliversAndReportsTheMessageId) {
  AlertItem a;
  a.customer_id = "C-1";
  a.display_name = "Ada";
  a.probability = 0.9;
  const auto messages = build_alert_messages({a});
  const auto r = client.send(target, messages[0]);
  EXPECT_EQ(r.state, DeliveryState::kDelivered) << r.reason;
  EXPECT_EQ(r.http_status, 200);
  EXPECT_FALSE(r.message_id.empty());
  ASSERT_EQ(standin.received().size(), 1u);
  EXPECT_EQ(standin.received()[0]["embeds"][0]["title"], "Ada");
  const auto hit = standin.hits().at(0);
  EXPECT_EQ(hit.user_agent, "churnwatch-test/1.0");
  EXPECT_EQ(hit.query, "wait=true");
  EXPECT_EQ(hit.content_type, "application/json");
}

TEST_F(ClientFixture, BuiltBatchesOfManyCustomersAreAllAccepted) {
  std::vector<AlertItem> items;
  for (int i = 0; i < 40; ++i) {
    AlertItem a;
    a.customer_id = "C-" + std::to_string(i);
    a.display_name = i == 3 ? std::string(400, 'N') : "\u00c5sa " + std::to_string(i);
    a.probability = 0.5;
    a.reasons = {std::string(i == 5 ? 3000 : 30, 'r')};
    items.push_back(a);
  }
  const auto messages = build_alert_messages(items);
  for (const auto& m : messages) {
    const auto r = client.deliver_with_retries(target, m, Clock::now() + std::chrono::seconds(10));
    EXPECT_EQ(r.state, DeliveryState::kDelivered) << r.reason;
  }
  EXPECT_EQ(standin.received().size(), messages.size());
  EXPECT_EQ(standin.enforced_429s(), 0);
}

TEST(DiscordClient, RespectsRateLimitHeadersWithoutEarningA429) {
  DiscordStandin standin({5, milliseconds(300)});
  DiscordClient client(fast_options());
  const auto target = parse_webhook_url(standin.url(), loopback_policy());
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  std::atomic<int> delivered{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i)
        if (client.send(target, text("m" + std::to_string(t * 5 + i))).state ==
            DeliveryState::kDelivered)
          ++delivered;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(delivered.load(), 20);
  EXPECT_EQ(standin.enforced_429s(), 0);
  EXPECT_EQ(standin.received().size(), 20u);
  // 20 requests at 5 per 300 ms need at least three waits for a new window.
  EXPECT_GE(ms_between(start, Clock::now()), 900);
}

TEST_F(ClientFixture, A429IsWaitedOutAndRetried) {
  standin.fail_next(1, DiscordStandin::Fault::k429, 0.3);
  const auto first = client.send(target, text("x"));
  EXPECT_EQ(first.state, DeliveryState::kRetry);
  EXPECT_TRUE(first.rate_limited);
  EXPECT_EQ(first.http_status, 429);
  EXPECT_EQ(first.retry_after, milliseconds(300));

  // The next send waits for the bucket on its own.
  const auto second = client.send(target, text("x"));
  EXPECT_EQ(second.state, DeliveryState::kDelivered);
  const auto hits = standin.hits();
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_GE(ms_between(hits[0].at, hits[1].at), 290);

  standin.fail_next(1, DiscordStandin::Fault::k429, 0.2);
  const auto start = Clock::now();
  const auto r =
      client.deliver_with_retries(target, text("y"), Clock::now() + std::chrono::seconds(5));
  EXPECT_EQ(r.state, DeliveryState::kDelivered) << r.reason;
  EXPECT_EQ(r.attempts, 2);
  EXPECT_GE(ms_between(start, Clock::now()), 190);
}

TEST_F(ClientFixture, AGlobal429PausesEveryWebhook) {
  standin.add_webhook("777", "second-webhook-token");
  const auto other = parse_webhook_url(standin.url("777"), loopback_policy());

  standin.fail_next(1, DiscordStandin::Fault::k429, 0.3);  // not global: the other webhook is free
  EXPECT_EQ(client.send(target, text("a")).state, DeliveryState::kRetry);
  EXPECT_EQ(client.send(other, text("b")).state, DeliveryState::kDelivered);
  auto hits = standin.hits();
  EXPECT_LT(ms_between(hits[0].at, hits[1].at), 250);

  std::this_thread::sleep_for(milliseconds(320));
  standin.fail_next(1, DiscordStandin::Fault::k429Global, 0.3);
  const auto r = client.send(target, text("c"));
  EXPECT_EQ(r.state, DeliveryState::kRetry);
  EXPECT_EQ(client.send(other, text("d")).state, DeliveryState::kDelivered);
  hits = standin.hits();
  ASSERT_EQ(hits.size(), 4u);
  EXPECT_EQ(hits[3].webhook_id, "777");
  EXPECT_GE(ms_between(hits[2].at, hits[3].at), 290);
}

TEST_F(ClientFixture, ALongRateLimitIsReportedInsteadOfBlocking) {
  DiscordClientOptions o = fast_options();
  o.max_wait = milliseconds(100);
  DiscordClient impatient(o);
  standin.fail_next(1, DiscordStandin::Fault::k429, 5.0);
  EXPECT_EQ(impatient.send(target, text("a")).retry_after, milliseconds(5000));
  const auto start = Clock::now();
  const auto r = impatient.send(target, text("b"));
  EXPECT_EQ(r.state, DeliveryState::kRetry);
  EXPECT_TRUE(r.rate_limited);
  EXPECT_GT(r.retry_after, milliseconds(4000));
  EXPECT_LT(ms_between(start, Clock::now()), 1000);
  EXPECT_EQ(standin.hits().size(), 1u);  // nothing was sent into the limit

  const auto bounded =
      impatient.deliver_with_retries(target, text("c"), Clock::now() + milliseconds(200));
  EXPECT_EQ(bounded.state, DeliveryState::kRetry);
  EXPECT_LT(ms_between(start, Clock::now()), 1500);
}

TEST_F(ClientFixture, ServerErrorsAreRetriedWithBackoffThenDelivered) {
  standin.fail_next(2, DiscordStandin::Fault::k500);
  const auto start = Clock::now();
  const auto r =
      client.deliver_with_retries(target, text("x"), Clock::now() + std::chrono::seconds(5));
  EXPECT_EQ(r.state, DeliveryState::kDelivered) << r.reason;
  EXPECT_EQ(r.attempts, 3);
  // Jittered backoff waits at least half of 40 ms, then half of 80 ms.
  EXPECT_GE(ms_between(start, Clock::now()), 60);
  const auto hits = standin.hits();
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0].status, 500);
  EXPECT_EQ(hits[2].status, 200);
}

TEST_F(ClientFixture, UnknownWebhookFailsAtOnceWithDiscordsReason) {
  standin.fail_next(1, DiscordStandin::Fault::k404);
  const auto r =
      client.deliver_with_retries(target, text("x"), Clock::now() + std::chrono::seconds(5));
  EXPECT_EQ(r.state, DeliveryState::kFailed);
  EXPECT_EQ(r.http_status, 404);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_NE(r.reason.find("Unknown Webhook"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("10015"), std::string::npos);
}

TEST_F(ClientFixture, WrongTokenFails) {
  const std::string url = standin.url();
  const auto bad =
      parse_webhook_url(url.substr(0, url.rfind('/') + 1) + "not-the-token", loopback_policy());
  const auto r = client.send(bad, text("x"));
  EXPECT_EQ(r.state, DeliveryState::kFailed);
  EXPECT_EQ(r.http_status, 401);
  EXPECT_NE(r.reason.find("50027"), std::string::npos) << r.reason;
  EXPECT_EQ(r.reason.find("not-the-token"), std::string::npos);
}

TEST_F(ClientFixture, AMessageBeyondTheLimitsFailsWithoutBeingSent) {
  const auto r = client.send(target, text(std::string(2001, 'x')));
  EXPECT_EQ(r.state, DeliveryState::kFailed);
  EXPECT_EQ(r.http_status, 0);
  EXPECT_NE(r.reason.find("content: 2001 > 2000"), std::string::npos) << r.reason;
  EXPECT_TRUE(standin.hits().empty());
}

TEST_F(ClientFixture, ABodyDiscordRejectsFailsWithItsFieldErrors) {
  DiscordMessage m = text("hello");
  m.username = "Discord alerts";  // Discord refuses names containing "discord"
  const auto r = client.deliver_with_retries(target, m, Clock::now() + std::chrono::seconds(5));
  EXPECT_EQ(r.state, DeliveryState::kFailed);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.http_status, 400);
  EXPECT_NE(r.reason.find("Invalid Form Body (code 50035)"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("USERNAME_INVALID_CONTAINS"), std::string::npos) << r.reason;
}

TEST(DiscordClient, NetworkErrorsAreRetriedThenReported) {
  // A port that was free a moment ago: connecting is refused.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  ::close(fd);

  DiscordClientOptions o = fast_options();
  o.max_attempts = 3;
  DiscordClient client(o);
  const auto target = parse_webhook_url(
      "http://127.0.0.1:" + std::to_string(port) + "/api/webhooks/1/tokentokentoken",
      loopback_policy());
  const auto once = client.send(target, text("x"));
  EXPECT_EQ(once.state, DeliveryState::kRetry);
  EXPECT_EQ(once.http_status, 0);
  EXPECT_NE(once.reason.find("network error"), std::string::npos);
  EXPECT_EQ(once.reason.find("tokentokentoken"), std::string::npos);
  const auto r =
      client.deliver_with_retries(target, text("x"), Clock::now() + std::chrono::seconds(5));
  EXPECT_EQ(r.state, DeliveryState::kRetry);
  EXPECT_EQ(r.attempts, 3);
}

TEST(DiscordClient, BackoffGrowsWithJitterAndIsCapped) {
  DiscordClient client(fast_options());
  for (int i = 0; i < 20; ++i) {
    const auto d1 = client.backoff_delay(1), d3 = client.backoff_delay(3),
               d9 = client.backoff_delay(9);
    EXPECT_GE(d1, milliseconds(20));
    EXPECT_LE(d1, milliseconds(40));
    EXPECT_GE(d3, milliseconds(80));
    EXPECT_LE(d3, milliseconds(160));
    EXPECT_LE(d9, milliseconds(200));
  }
}

}  // namespace
}  // namespace churnwatch::alerts
