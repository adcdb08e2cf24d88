// Store conformance: alert rules and the alert outbox.
#include <mutex>
#include <set>
#include <thread>

#include "core/errors.hpp"
#include "storage/store_conformance.hpp"

namespace churnwatch::storage::testing {

namespace {

AlertRule rule_named(std::string name) {
  AlertRule r;
  r.name = std::move(name);
  r.kind = "high_risk";
  r.params = {{"threshold", 0.7}};
  r.customer_filter = {{"Geography", "France"}};
  r.webhook_sealed = "sb1:sealed";
  r.webhook_masked = "https://discord.com/api/webhooks/1/****abcd";
  r.cooldown_seconds = 3600;
  r.min_severity = "warning";
  r.created_by = "ada";
  return r;
}

AlertEvent event_for(std::int64_t rule_id, std::string customer,
                     std::string key) {
  AlertEvent e;
  e.rule_id = rule_id;
  e.customer_id = std::move(customer);
  e.kind = "customer";
  e.severity = "critical";
  e.dedup_key = std::move(key);
  e.payload = {{"probability", 0.91}, {"note", "it's \"quoted\""}};
  e.run_id = "job-1";
  return e;
}

} // namespace

TEST_P(StoreConformance, AlertRulesAreCreatedUpdatedListedAndDeleted) {
  AlertRule a = store().create_alert_rule(rule_named("high risk"));
  EXPECT_GT(a.id, 0);
  EXPECT_FALSE(a.created_at.empty());
  AlertRule b = store().create_alert_rule(rule_named("jumps"));
  EXPECT_THROW(store().create_alert_rule(rule_named("high risk")),
               core::Conflict);

  auto found = reopen().find_alert_rule(a.id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->name, "high risk");
  EXPECT_EQ(found->params["threshold"], 0.7);
  EXPECT_EQ(found->customer_filter["Geography"], "France");
  EXPECT_EQ(found->webhook_sealed, "sb1:sealed");
  EXPECT_EQ(found->cooldown_seconds, 3600);
  EXPECT_EQ(found->min_severity, "warning");
  EXPECT_TRUE(found->enabled);

  found->enabled = false;
  found->params = {{"threshold", 0.8}};
  AlertRule updated = store().update_alert_rule(*found);
  EXPECT_FALSE(updated.enabled);
  EXPECT_EQ(updated.params["threshold"], 0.8);
  EXPECT_EQ(updated.created_by, "ada");
  updated.name = "jumps";
  EXPECT_THROW(store().update_alert_rule(updated), core::Conflict);
  AlertRule ghost = rule_named("ghost");
  ghost.id = 9999;
  EXPECT_THROW(store().update_alert_rule(ghost), core::NotFound);

  auto all = store().list_alert_rules();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, a.id);
  store().enqueue_alert_events({event_for(b.id, "C1", "k1")});
  EXPECT_TRUE(store().delete_alert_rule(b.id));
  EXPECT_FALSE(store().delete_alert_rule(b.id));
  EXPECT_EQ(store().list_alert_rules().size(), 1u);
  EXPECT_EQ(store().list_alert_events({}).total, 0); // its events went with it
}

TEST_P(StoreConformance, AlertEventsAreDeduplicatedByKey) {
  AlertRule r = store().create_alert_rule(rule_named("high risk"));
  EXPECT_EQ(store().enqueue_alert_events({event_for(r.id, "C1", "run-1:C1"),
                                          event_for(r.id, "C2", "run-1:C2")}),
            2);
  // The same job run again queues nothing new.
  EXPECT_EQ(store().enqueue_alert_events({event_for(r.id, "C1", "run-1:C1"),
                                          event_for(r.id, "C3", "run-1:C3")}),
            1);
  auto page = store().list_alert_events({});
  EXPECT_EQ(page.total, 3);
  EXPECT_EQ(page.items[0].state, "pending");
  EXPECT_EQ(page.items[0].payload["note"], "it's \"quoted\"");
}

TEST_P(StoreConformance, AlertEventsAreClaimedOnceAndFinished) {
  AlertRule r = store().create_alert_rule(rule_named("high risk"));
  store().enqueue_alert_events({event_for(r.id, "C1", "a"),
                                event_for(r.id, "C2", "b"),
                                event_for(r.id, "C3", "c")});
  const std::string now = "2999-01-01T00:00:00.000Z";
  const std::string lease = "2999-01-01T00:01:00.000Z";
  auto first = store().claim_alert_events(now, lease, 2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].state, "sending");
  auto second = store().claim_alert_events(now, lease, 10);
  ASSERT_EQ(second.size(), 1u); // the two taken are not handed out again
  EXPECT_TRUE(store().claim_alert_events(now, lease, 10).empty());

  store().finish_alert_events({first[0].id}, "delivered", "", "", true);
  store().finish_alert_events({first[1].id}, "failed",
                              "HTTP 404: Unknown Webhook (10015)", "", true);
  store().finish_alert_events({second[0].id}, "pending", "HTTP 500",
                              "2999-01-01T00:05:00.000Z", true);
  EXPECT_THROW(
      store().finish_alert_events({second[0].id}, "sending", "", "", true),
      core::Invalid);

  AlertEventQuery failed;
  failed.state = "failed";
  auto page = store().list_alert_events(failed);
  ASSERT_EQ(page.total, 1);
  EXPECT_EQ(page.items[0].error, "HTTP 404: Unknown Webhook (10015)");
  EXPECT_EQ(page.items[0].attempts, 1);
  // The retried one is due again only after its next attempt time.
  EXPECT_TRUE(store()
                  .claim_alert_events("2999-01-01T00:04:00.000Z", lease, 10)
                  .empty());
  auto retry = store().claim_alert_events("2999-01-01T00:06:00.000Z",
                                          "2999-01-01T00:07:00.000Z", 10);
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_EQ(retry[0].customer_id, second[0].customer_id);
  // A sender that died leaves it "sending"; after the lease another takes it.
  auto again = reopen().claim_alert_events("2999-01-01T00:08:00.000Z",
                                           "2999-01-01T00:09:00.000Z", 10);
  ASSERT_EQ(again.size(), 1u);

  auto stats = store().alert_stats();
  EXPECT_EQ(stats.by_state["delivered"], 1);
  EXPECT_EQ(stats.by_state["failed"], 1);
  EXPECT_EQ(stats.by_state["sending"], 1);
  EXPECT_EQ(stats.by_state["pending"], 0);
  EXPECT_EQ(stats.by_rule[r.id], 3);
  EXPECT_EQ(stats.by_severity["critical"], 3);
  EXPECT_FALSE(stats.last_delivered_at.empty());
  EXPECT_EQ(stats.last_failed_error, "HTTP 404: Unknown Webhook (10015)");
}

TEST_P(StoreConformance, AlertEventsAreFilteredAndCooldownsFound) {
  AlertRule r = store().create_alert_rule(rule_named("high risk"));
  AlertRule s = store().create_alert_rule(rule_named("other"));
  auto at = [&](AlertEvent e, std::string when) {
    e.created_at = std::move(when);
    return e;
  };
  store().enqueue_alert_events(
      {at(event_for(r.id, "C1", "1"), "2026-01-01T10:00:00.000Z"),
       at(event_for(r.id, "C2", "2"), "2026-01-02T10:00:00.000Z"),
       at(event_for(s.id, "C1", "3"), "2026-01-03T10:00:00.000Z")});
  AlertEventQuery q;
  q.rule_id = r.id;
  EXPECT_EQ(store().list_alert_events(q).total, 2);
  q.customer_id = "C1";
  EXPECT_EQ(store().list_alert_events(q).total, 1);
  AlertEventQuery since;
  since.since = "2026-01-02";
  since.limit = 1;
  auto page = store().list_alert_events(since);
  EXPECT_EQ(page.total, 2);
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].customer_id, "C1"); // newest first
  EXPECT_EQ(page.items[0].rule_id, s.id);

  auto cooling =
      store().alerted_customers_since(r.id, "2026-01-02T00:00:00.000Z");
  ASSERT_EQ(cooling.size(), 1u);
  EXPECT_EQ(cooling[0], "C2");
}

// Senders in several processes share one outbox: two stores opened on the
// same database (as two processes would) claim from threads at once, and
// each event reaches exactly one of them.
TEST_P(StoreConformance, AlertEventsClaimedConcurrentlyGoToOneSenderEach) {
  AlertRule r = store().create_alert_rule(rule_named("high risk"));
  std::vector<AlertEvent> events;
  for (int i = 0; i < 60; ++i)
    events.push_back(event_for(r.id, "C" + std::to_string(i), "k" + std::to_string(i)));
  ASSERT_EQ(store().enqueue_alert_events(events), 60);
  auto other = open_store(url_, GetParam().replica_url ? GetParam().replica_url(url_) : "");

  const std::string now = "2999-01-01T00:00:00.000Z";
  const std::string lease = "2999-01-01T00:01:00.000Z";
  std::mutex mu;
  std::multiset<std::int64_t> claimed;
  std::vector<std::string> errors;
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t) {
    Store &s = t % 2 == 0 ? store() : *other;
    senders.emplace_back([&, &s = s] {
      try {
        for (;;) {
          auto batch = s.claim_alert_events(now, lease, 3);
          if (batch.empty()) return;
          std::lock_guard<std::mutex> lock(mu);
          for (const AlertEvent &e : batch) claimed.insert(e.id);
        }
      } catch (const std::exception &e) {
        std::lock_guard<std::mutex> lock(mu);
        errors.push_back(e.what());
      }
    });
  }
  for (auto &t : senders) t.join();
  EXPECT_TRUE(errors.empty()) << errors.front();
  EXPECT_EQ(claimed.size(), 60u);
  EXPECT_EQ(std::set<std::int64_t>(claimed.begin(), claimed.end()).size(), 60u)
      << "an event was claimed by two senders";
  EXPECT_EQ(store().alert_stats().by_state["sending"], 60);
}

} // namespace churnwatch::storage::testing
