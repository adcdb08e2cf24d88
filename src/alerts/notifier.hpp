// The interface the monitoring layer sends alerts through. One attempt per
// call; the caller (an outbox worker) decides what to persist and when to
// try again from the returned DeliveryResult.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "alerts/discord_message.hpp"
#include "alerts/webhook_url.hpp"

namespace churnwatch::alerts {

enum class DeliveryState {
  kDelivered,  // the webhook accepted the message (2xx)
  kRetry,      // not delivered, may succeed later: wait at least retry_after
  kFailed,     // will never succeed as is (unknown webhook, bad token, invalid body)
};

std::string_view delivery_state_name(DeliveryState state);

struct DeliveryResult {
  DeliveryState state = DeliveryState::kFailed;
  // For kRetry: the least time to wait before the next attempt (Discord's
  // retry_after on 429, else the client's first backoff step).
  std::chrono::milliseconds retry_after{0};
  bool rate_limited = false;  // kRetry because of a rate limit (429 or a known empty bucket)
  int http_status = 0;        // 0 when no response arrived
  // Why it was not delivered: Discord's message and code, the HTTP status,
  // or the network error. Never contains the webhook token.
  std::string reason;
  std::string message_id;  // Discord's id of the posted message, when known
  int attempts = 1;        // attempts made (deliver_with_retries may make several)
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  // Sends one message once. Never throws for delivery problems; they are
  // reported in the result. Safe to call from many threads.
  virtual DeliveryResult send(const WebhookTarget& target, const DiscordMessage& message) = 0;
};

}  // namespace churnwatch::alerts
