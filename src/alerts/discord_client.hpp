// Delivers messages to Discord webhooks over libcurl, honouring Discord's
// rate limits. One instance is meant to be shared by every sender: it keeps
// the rate-limit state of each webhook (from X-RateLimit-Remaining and
// X-RateLimit-Reset-After) and the global pause (a 429 with "global": true),
// and waits before sending into an exhausted bucket rather than earn a 429.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "alerts/notifier.hpp"

namespace churnwatch::alerts {

struct DiscordClientOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{15000};  // whole request
  std::string user_agent = "churnwatch-alerts/0.1 (+https://github.com/churnwatch/churnwatch)";
  // Backoff for 5xx and network errors: attempt n waits a random time in
  // [d/2, d], d = min(backoff_max, backoff_initial * 2^(n-1)).
  std::chrono::milliseconds backoff_initial{1000};
  std::chrono::milliseconds backoff_max{60000};
  int max_attempts = 5;  // deliver_with_retries gives up after this many
  // The longest send() blocks for a known rate limit before it returns
  // kRetry (without sending) so that a worker thread is not held for long.
  std::chrono::milliseconds max_wait{30000};
  bool wait_for_message = true;  // ?wait=true: Discord answers with the message
};

class DiscordClient final : public Notifier {
 public:
  explicit DiscordClient(DiscordClientOptions options = {});
  ~DiscordClient() override;
  DiscordClient(const DiscordClient&) = delete;
  DiscordClient& operator=(const DiscordClient&) = delete;

  // One attempt (after any wait the rate limits require, up to max_wait).
  // A message that breaks Discord's limits fails without being sent.
  DeliveryResult send(const WebhookTarget& target, const DiscordMessage& message) override;

  // Attempts until delivered, failed, max_attempts reached, or the next try
  // would start after `deadline`; sleeps between attempts (429: retry_after;
  // 5xx and network errors: backoff). The result of the last attempt, with
  // `attempts` set.
  DeliveryResult deliver_with_retries(const WebhookTarget& target, const DiscordMessage& message,
                                      std::chrono::steady_clock::time_point deadline);

  // The backoff delay before retry number `attempt` (1-based), with jitter.
  std::chrono::milliseconds backoff_delay(int attempt) const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Bucket {
    int remaining = -1;  // -1: unknown
    int limit = -1;
    Clock::time_point reset_at{};
    std::string id;  // X-RateLimit-Bucket
    int in_flight = 0;
  };
  struct Response;

  DeliveryResult attempt(const WebhookTarget& target, const DiscordMessage& message,
                         std::chrono::milliseconds wait_limit);
  // Waits for the global pause and the webhook's bucket, then reserves one
  // request (to be ended by record()). Returns the remaining wait, without
  // reserving, when it is longer than `wait_limit`.
  std::chrono::milliseconds acquire(const std::string& key, std::chrono::milliseconds wait_limit);
  // Ends the request acquire() admitted; `response` is null when none came.
  void record(const std::string& key, const Response* response);

  DiscordClientOptions options_;
  std::mutex mutex_;
  std::condition_variable changed_;  // a request ended: bucket state may allow more
  std::map<std::string, Bucket> buckets_;
  Clock::time_point global_until_{};
};

}  // namespace churnwatch::alerts
