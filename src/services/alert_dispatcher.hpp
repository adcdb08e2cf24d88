// Delivers the alert outbox (storage::AlertEvent) to Discord. Runs in every
// serve and worker process; processes share the outbox safely because an
// event is claimed by one of them at a time, under a lease.
//
// At least once: an event leaves the outbox only when Discord accepted it
// (delivered) or refused it for good (failed, with the reason). A process
// that dies mid-send leaves its events "sending"; when their lease ends any
// dispatcher sends them again.
//
// Batching: due events of one rule share messages (one embed per customer,
// as many customers per message as Discord's limits allow; see
// alerts/message_builder.hpp); a run's summary follows its alerts.
//
// Retries: 429 waits Discord's retry_after (per webhook, or every webhook on
// a global limit; the DiscordClient keeps that state) and is not counted as
// an attempt; 5xx and network errors back off exponentially up to
// max_attempts; 401/403/404 (deleted webhook, bad token) and invalid bodies
// fail at once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "alerts/notifier.hpp"
#include "services/alert_rules.hpp"
#include "storage/store.hpp"

namespace churnwatch::services {

struct DispatcherOptions {
  std::int64_t batch = 200; // events claimed per round
  std::chrono::milliseconds lease{
      120'000}; // a claimed event is retried after this
  std::chrono::milliseconds poll_interval{1000};
  int max_attempts = 8; // 5xx/network failures before failed
  std::chrono::milliseconds backoff_initial{2000};
  std::chrono::milliseconds backoff_max{600'000};
};

struct DispatchReport {
  std::int64_t messages_sent = 0;
  std::int64_t delivered = 0; // events
  std::int64_t retrying = 0;  // events
  std::int64_t failed = 0;    // events
};

class AlertDispatcher {
public:
  AlertDispatcher(storage::Store &store, AlertRules &rules,
                  alerts::Notifier &notifier, DispatcherOptions options = {});
  ~AlertDispatcher();
  AlertDispatcher(const AlertDispatcher &) = delete;
  AlertDispatcher &operator=(const AlertDispatcher &) = delete;

  // One round: claims the due events, sends them, records the outcome.
  DispatchReport drain_once();
  // Rounds until no event is due, or `deadline`. Events waiting for a later
  // retry are not waited for.
  DispatchReport drain(std::chrono::steady_clock::time_point deadline);

  // Sends a test message to the rule's webhook now, once (not through the
  // outbox): the answer says whether Discord took it and why not.
  alerts::DeliveryResult send_test(const storage::AlertRule &rule);

  // A background thread that drains every poll_interval (and at once after
  // wake()). stop() lets the current round finish.
  void start();
  void stop();
  void wake();

private:
  void deliver_rule(std::int64_t rule_id,
                    std::vector<storage::AlertEvent> &events,
                    DispatchReport &report);
  std::chrono::milliseconds backoff(int attempt) const;

  storage::Store &store_;
  AlertRules &rules_;
  alerts::Notifier &notifier_;
  DispatcherOptions options_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
};

} // namespace churnwatch::services
