// Monitoring and alert delivery end to end: rules evaluated per kind against
// real risk history, the outbox delivered to the strict local Discord
// stand-in on loopback (batching within every limit, 429, 500, 404), a
// retried monitor job posting once, and a restart delivering what was left.
#include <gtest/gtest.h>

#include <thread>

#include "alerts/discord_client.hpp"
#include "alerts/discord_standin.hpp"
#include "core/clock.hpp"
#include "services/alert_dispatcher.hpp"
#include "services/alert_rules.hpp"
#include "services/customers.hpp"
#include "services/ml_test_support.hpp"
#include "services/monitoring.hpp"

namespace churnwatch::services {
namespace {

using alerts::testing::DiscordStandin;
using namespace std::chrono_literals;
using Json = nlohmann::json;

alerts::WebhookUrlPolicy loopback() {
  alerts::WebhookUrlPolicy p;
  p.allowed_hosts.push_back("127.0.0.1");
  return p;
}

class AlertMonitoring : public ::testing::Test {
protected:
  void SetUp() override { open(200); }
  void open(std::int64_t rows) {
    ws_ = std::make_unique<testing::DemoWorkspace>(rows);
    models_ = std::make_unique<ModelService>(ws_->store(), ws_->models_dir());
    scoring_ = std::make_unique<ScoringService>(ws_->store(), *models_);
    rules_ = std::make_unique<AlertRules>(ws_->store(), box_, loopback());
    alerts::DiscordClientOptions co;
    co.backoff_initial = 20ms;
    co.backoff_max = 100ms;
    client_ = std::make_unique<alerts::DiscordClient>(co);
    DispatcherOptions d;
    d.backoff_initial = 50ms;
    d.backoff_max = 200ms;
    d.lease = 300ms;
    dispatcher_ =
        std::make_unique<AlertDispatcher>(ws_->store(), *rules_, *client_, d);
    monitoring_ = std::make_unique<Monitoring>(
        ws_->store(), *scoring_, *rules_, nullptr,
        MonitorOptions{.public_url = "https://churn.example.com"});
  }
  storage::Store &store() { return ws_->store(); }

  storage::AlertRule rule(Json body) {
    body["webhook_url"] = standin_.url();
    if (!body.contains("name"))
      body["name"] = body["kind"];
    return rules_->create(body, "test");
  }
  std::vector<std::string> ids(std::size_t n) {
    std::vector<std::string> out;
    for (const auto &c : store().list_customers({}).items)
      if (out.size() < n)
        out.push_back(c.external_id);
    return out;
  }
  // Writes one score per customer (as a scoring run would) and marks run
  // `run` as scored, so Monitoring::run evaluates these scores as they are.
  void score(const std::vector<std::pair<std::string, double>> &probs,
             const std::string &run) {
    std::vector<storage::RiskRecord> records;
    for (const auto &[id, p] : probs) {
      storage::RiskRecord r;
      r.customer_id = id;
      r.model_version = 1;
      r.probability = p;
      r.risk_level = std::string(scoring_->options().levels.level(p));
      r.reasons = Json::array(
          {{{"attribute", "Age"}, {"text", "Age = 61 raises risk by 0.20"}}});
      records.push_back(r);
    }
    store().append_risk(records);
    store().put_setting("monitor.scored_run", run);
  }
  std::int64_t events_in(const std::string &state) {
    storage::AlertEventQuery q;
    q.state = state;
    return store().list_alert_events(q).total;
  }
  // Drains until nothing is pending or sending, within a generous deadline.
  void deliver_all() {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
      dispatcher_->drain(deadline);
      if (events_in("pending") + events_in("sending") == 0)
        return;
      std::this_thread::sleep_for(20ms);
    }
    FAIL() << "alerts still waiting after 60 s";
  }
  std::size_t embeds_received() {
    std::size_t n = 0;
    for (const auto &m : standin_.received())
      n += m["embeds"].size();
    return n;
  }

  SecretBox box_ = SecretBox::from_hex(std::string(64, 'b'));
  DiscordStandin standin_{DiscordStandin::Options{50, 1000ms}};
  std::unique_ptr<testing::DemoWorkspace> ws_;
  std::unique_ptr<ModelService> models_;
  std::unique_ptr<ScoringService> scoring_;
  std::unique_ptr<AlertRules> rules_;
  std::unique_ptr<alerts::DiscordClient> client_;
  std::unique_ptr<AlertDispatcher> dispatcher_;
  std::unique_ptr<Monitoring> monitoring_;
};

TEST_F(AlertMonitoring, EachCustomerRuleKindRaisesWhatItShould) {
  auto c = ids(6);
  score({{c[0], 0.10},
         {c[1], 0.50},
         {c[2], 0.30},
         {c[3], 0.90},
         {c[4], 0.39},
         {c[5], 0.65}},
        "r0");
  score({{c[0], 0.35},
         {c[1], 0.52},
         {c[2], 0.62},
         {c[3], 0.91},
         {c[4], 0.41},
         {c[5], 0.58}},
        "r1");
  auto high = rule({{"kind", "high_risk"}, {"threshold", 0.6}});
  auto jump = rule({{"kind", "risk_increase"}, {"min_points", 20}});
  auto rel = rule({{"kind", "risk_increase"},
                   {"name", "doubled"},
                   {"min_relative_percent", 100}});
  auto level = rule({{"kind", "level_up"}});
  auto loud = rule({{"kind", "high_risk"},
                    {"name", "critical only"},
                    {"threshold", 0.6},
                    {"min_severity", "critical"}});

  auto result = monitoring_->run("r1");
  EXPECT_TRUE(result.scoring_reused);
  auto raised = [&](const storage::AlertRule &r) {
    storage::AlertEventQuery q;
    q.rule_id = r.id;
    std::set<std::string> out;
    for (const auto &e : store().list_alert_events(q).items)
      if (e.kind == "customer")
        out.insert(e.customer_id);
    return out;
  };
  EXPECT_EQ(raised(high), (std::set<std::string>{
                              c[2], c[3]})); // 0.62 and 0.91 (0.58 is below)
  EXPECT_EQ(raised(jump),
            (std::set<std::string>{c[0], c[2]})); // +25 and +32 points
  EXPECT_EQ(raised(rel),
            (std::set<std::string>{
                c[0], c[2]})); // 0.10 -> 0.35 is +250 %, 0.30 -> 0.62 +107 %
  // very_low -> low (c0), low -> high (c2), low -> medium (c4: 0.39 -> 0.41)
  EXPECT_EQ(raised(level), (std::set<std::string>{c[0], c[2], c[4]}));
  EXPECT_EQ(raised(loud),
            (std::set<std::string>{
                c[2], c[3]})); // c2: +32 points is critical, c3: 0.91
  for (const auto &o : result.rules)
    SCOPED_TRACE(o.name);

  // A summary follows each rule's alerts; payloads carry what messages show.
  storage::AlertEventQuery q;
  q.rule_id = high.id;
  auto events = store().list_alert_events(q).items;
  ASSERT_EQ(events.size(), 3u);
  for (const auto &e : events) {
    if (e.kind == "summary")
      continue;
    EXPECT_EQ(e.payload["link_url"],
              "https://churn.example.com/customers/" + e.customer_id);
    EXPECT_EQ(e.payload["reasons"][0], "Age = 61 raises risk by 0.20");
  }
}

TEST_F(AlertMonitoring, CustomerFilterAndCooldownNarrowTheAlerts) {
  auto c = ids(4);
  score({{c[0], 0.9}, {c[1], 0.9}, {c[2], 0.9}, {c[3], 0.9}}, "r1");
  const std::string geography =
      store().find_customer(c[0])->attributes["Geography"].get<std::string>();
  auto filtered = rule({{"kind", "high_risk"},
                        {"threshold", 0.5},
                        {"customer_filter", {{"Geography", geography}}}});
  monitoring_->run("r1");
  storage::AlertEventQuery q;
  q.rule_id = filtered.id;
  for (const auto &e : store().list_alert_events(q).items)
    if (e.kind == "customer")
      EXPECT_EQ(store().find_customer(e.customer_id)->attributes["Geography"],
                geography);

  // A new run within the cooldown alerts nobody again.
  store().put_setting("monitor.scored_run", "r2");
  auto again = monitoring_->run("r2");
  ASSERT_EQ(again.rules.size(), 1u);
  EXPECT_EQ(again.rules[0].queued, 0);
  EXPECT_EQ(again.rules[0].cooling, again.rules[0].matched);
  EXPECT_GT(again.rules[0].matched, 0);
}

TEST_F(AlertMonitoring,
       ARetriedMonitorJobPostsOnceInBatchesWithinDiscordLimits) {
  open(1500);
  ASSERT_TRUE(models_->train(testing::quick_request()).promoted);
  auto high = rule({{"kind", "high_risk"}, {"threshold", 0.5}});
  auto first = monitoring_->run("job-1");
  storage::CustomerQuery active;
  active.status = storage::StatusFilter::kActive;
  active.limit = 1;
  EXPECT_EQ(first.scoring.scored, store().list_customers(active).total);  // departed customers are not scored
  ASSERT_GT(first.alerts_queued, 10) << "the demo data has customers above 0.5";
  // The same job again (a worker died after the first attempt queued them).
  auto retry = monitoring_->run("job-1");
  EXPECT_TRUE(retry.scoring_reused);
  EXPECT_EQ(retry.alerts_queued, 0);

  deliver_all();
  EXPECT_EQ(events_in("failed"), 0) << store().alert_stats().last_failed_error;
  EXPECT_EQ(events_in("delivered"),
            first.alerts_queued + 1); // and the run summary
  const auto received = standin_.received();
  // Many customers per message, each message accepted by the strict stand-in.
  EXPECT_LT(received.size(), static_cast<std::size_t>(first.alerts_queued) / 2);
  EXPECT_GE(embeds_received(), static_cast<std::size_t>(first.alerts_queued));
  for (const auto &m : received)
    EXPECT_LE(m["embeds"].size(), 10u);
  EXPECT_EQ(standin_.enforced_429s(), 0);
  const std::string text = Json(received).dump();
  EXPECT_NE(text.find("https://churn.example.com/customers/"),
            std::string::npos);
  EXPECT_EQ(text.find(DiscordStandin::kDefaultToken), std::string::npos);

  // A later run inside the cooldown posts nothing new.
  const auto before = received.size();
  auto later = monitoring_->run("job-2");
  EXPECT_EQ(later.alerts_queued, 0);
  deliver_all();
  EXPECT_EQ(standin_.received().size(), before);
}

class AlertDelivery : public AlertMonitoring {
protected:
  storage::AlertRule queue_alerts(int n, const std::string &run = "run-1") {
    auto r = rule({{"kind", "high_risk"}, {"threshold", 0.5}});
    std::vector<storage::AlertEvent> events;
    for (int i = 0; i < n; ++i) {
      storage::AlertEvent e;
      e.rule_id = r.id;
      e.customer_id = "C" + std::to_string(i);
      e.kind = "customer";
      e.severity = "critical";
      e.run_id = run;
      e.dedup_key = run + ":C" + std::to_string(i);
      e.payload = {{"customer_id", e.customer_id},
                   {"display_name", "Customer " + std::to_string(i)},
                   {"probability", 0.9},
                   {"change", 0.1},
                   {"previous_probability", 0.8},
                   {"risk_level", "very_high"},
                   {"reasons", {std::string(900, 'r'), "Age = 61"}}};
      events.push_back(e);
    }
    store().enqueue_alert_events(events);
    return r;
  }
};

TEST_F(AlertDelivery, A429WithDiscordsHeadersIsWaitedOutAndDeliveredOnce) {
  queue_alerts(3);
  standin_.fail_next(1, DiscordStandin::Fault::k429, 0.3);
  deliver_all();
  EXPECT_EQ(events_in("delivered"), 3);
  ASSERT_EQ(standin_.received().size(), 1u); // posted once, after the 429
  EXPECT_EQ(standin_.received()[0]["embeds"].size(), 3u);
  int statuses_429 = 0;
  for (const auto &h : standin_.hits())
    statuses_429 += h.status == 429;
  EXPECT_EQ(statuses_429, 1);
}

TEST_F(AlertDelivery, A500IsRetriedWithBackoff) {
  queue_alerts(2);
  standin_.fail_next(2, DiscordStandin::Fault::k500);
  deliver_all();
  EXPECT_EQ(events_in("delivered"), 2);
  EXPECT_EQ(standin_.received().size(), 1u);
  EXPECT_GE(standin_.hits().size(), 3u);
  auto page = store().list_alert_events({});
  EXPECT_GE(page.items[0].attempts, 2);
}

TEST_F(AlertDelivery, ALongRateLimitDoesNotUseUpTheAttemptsOfALater500) {
  // More 429s than max_attempts (8), then a 500: Discord never refused the
  // alerts, so they are still delivered, and only the 500 and the delivery
  // count as attempts.
  queue_alerts(2);
  standin_.fail_next(10, DiscordStandin::Fault::k429, 0.01);
  standin_.fail_next(1, DiscordStandin::Fault::k500);
  deliver_all();
  EXPECT_EQ(events_in("failed"), 0) << store().alert_stats().last_failed_error;
  EXPECT_EQ(events_in("delivered"), 2);
  EXPECT_EQ(standin_.received().size(), 1u);
  for (const auto &e : store().list_alert_events({}).items)
    EXPECT_EQ(e.attempts, 2) << e.customer_id;
}

TEST_F(AlertDelivery, A404MarksTheEventsFailedWithTheReason) {
  queue_alerts(2);
  standin_.fail_next(1, DiscordStandin::Fault::k404);
  deliver_all();
  EXPECT_EQ(events_in("failed"), 2);
  EXPECT_TRUE(standin_.received().empty());
  EXPECT_EQ(standin_.hits().size(), 1u); // not retried
  storage::AlertEventQuery q;
  q.state = "failed";
  const std::string error = store().list_alert_events(q).items.at(0).error;
  EXPECT_NE(error.find("404"), std::string::npos) << error;
  EXPECT_EQ(error.find(DiscordStandin::kDefaultToken), std::string::npos);
}

TEST_F(AlertDelivery, ARestartDeliversWhatWasPendingOrMidSend) {
  queue_alerts(4);
  // A process claims the events and dies before sending them.
  const auto now = std::chrono::system_clock::now();
  auto taken = store().claim_alert_events(core::to_iso8601(now),
                                          core::to_iso8601(now + 200ms), 2);
  ASSERT_EQ(taken.size(), 2u);
  dispatcher_.reset();
  // A new process on the same database.
  std::this_thread::sleep_for(250ms);
  DispatcherOptions d;
  dispatcher_ =
      std::make_unique<AlertDispatcher>(store(), *rules_, *client_, d);
  deliver_all();
  EXPECT_EQ(events_in("delivered"), 4);
  EXPECT_EQ(embeds_received(), 4u);
}

TEST_F(AlertDelivery, ATestMessageReachesTheWebhook) {
  auto r = queue_alerts(0);
  auto result = dispatcher_->send_test(r);
  EXPECT_EQ(result.state, alerts::DeliveryState::kDelivered) << result.reason;
  ASSERT_EQ(standin_.received().size(), 1u);
  EXPECT_EQ(standin_.received()[0]["embeds"][0]["title"],
            "Test message from churnwatch");
}

TEST(PopulationStabilityIndex, IsZeroForTheSameShapeAndGrowsWithShift) {
  EXPECT_NEAR(population_stability_index({10, 20, 30}, {1, 2, 3}), 0.0, 1e-12);
  const double small =
      population_stability_index({25, 25, 25, 25}, {22, 26, 26, 26});
  const double large =
      population_stability_index({25, 25, 25, 25}, {5, 10, 35, 50});
  EXPECT_LT(small, 0.1);
  EXPECT_GT(large, 0.25);
}

} // namespace
} // namespace churnwatch::services

namespace churnwatch::services {
namespace {

// The rule kinds about the model and the system rather than one customer:
// drift, degradation and failed jobs, each raising one rule-level alert.
class AlertRuleKinds : public AlertMonitoring {
protected:
  void SetUp() override {
    open(300);
    ASSERT_TRUE(models_->train(testing::quick_request()).promoted);
  }
  std::int64_t queued_for(const MonitorResult &r, std::int64_t rule_id) {
    for (const auto &o : r.rules)
      if (o.rule_id == rule_id)
        return o.queued;
    return -1;
  }
  std::vector<storage::AlertEvent> rule_events(std::int64_t rule_id) {
    storage::AlertEventQuery q;
    q.rule_id = rule_id;
    std::vector<storage::AlertEvent> out;
    for (auto &e : store().list_alert_events(q).items)
      if (e.kind == "rule")
        out.push_back(std::move(e));
    return out;
  }
};

TEST_F(AlertRuleKinds, DataDriftAlertsWhenCurrentCustomersMoveAwayFromTheTrainingData) {
  auto drift = rule({{"kind", "data_drift"}, {"psi_threshold", 0.2}});
  // Every customer is still the training data: nothing drifted.
  auto calm = monitoring_->run("d0");
  EXPECT_EQ(queued_for(calm, drift.id), 0);
  EXPECT_TRUE(rule_events(drift.id).empty());

  // 300 new customers like the existing ones but all aged 80 and over:
  // Age's distribution moved, the others' did not.
  Customers customers(store());
  storage::CustomerQuery everyone;
  everyone.limit = 0;
  const auto existing = store().list_customers(everyone).items;
  ASSERT_EQ(existing.size(), 300u);
  for (int i = 0; i < 300; ++i) {
    Json attrs = existing[i].attributes;
    attrs["CustomerId"] = 90000000 + i;
    attrs["Age"] = 80 + i % 10;
    attrs.erase("Exited");
    customers.create(attrs);
  }
  auto moved = monitoring_->run("d1");
  EXPECT_EQ(queued_for(moved, drift.id), 1);
  auto events = rule_events(drift.id);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].severity, "critical"); // PSI far above twice 0.2
  const std::string fields = events[0].payload["fields"].dump();
  EXPECT_NE(fields.find("\"Age\""), std::string::npos) << fields;
  EXPECT_EQ(fields.find("\"Geography\""), std::string::npos) << "unchanged features do not alert: " << fields;
}

TEST_F(AlertRuleKinds, ModelDegradationAlertsWhenNewlyLabelledCustomersContradictTheModel) {
  auto degraded = rule({{"kind", "model_degradation"}, {"max_drop_points", 5}});
  scoring_->score_all({});
  // Not enough customers labelled since training yet: judged later.
  auto early = monitoring_->run("m0");
  EXPECT_EQ(queued_for(early, degraded.id), 0);

  // Twenty departures become known, all opposite to what the model said
  // before them: the safest active customers left.
  storage::CustomerQuery active;
  active.limit = 0;
  active.status = storage::StatusFilter::kActive;
  auto all = store().list_customers(active).items;
  ASSERT_GT(all.size(), 100u);
  std::sort(all.begin(), all.end(), [](const core::Customer &a, const core::Customer &b) {
    return a.risk->value("probability", 0.0) > b.risk->value("probability", 0.0);
  });
  Customers customers(store());
  for (int i = 0; i < 20; ++i) customers.update(all[all.size() - 1 - i].external_id, {{"Exited", 1}});
  auto late = monitoring_->run("m1");
  EXPECT_EQ(queued_for(late, degraded.id), 1);
  auto events = rule_events(degraded.id);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].severity, "critical");
  EXPECT_NE(events[0].payload["description"].get<std::string>().find("before 20 departures since training"),
            std::string::npos)
      << events[0].payload.dump();
}

TEST_F(AlertRuleKinds, JobFailuresAlertOncePerFailedJobOfTheChosenKinds) {
  const auto jobs_path = (ws_->dir() / "jobs.db").string();
  auto jobs = queue::open_job_queue(jobs_path);
  monitoring_ = std::make_unique<Monitoring>(store(), *scoring_, *rules_, jobs.get(), MonitorOptions{});
  auto imports = rule({{"kind", "job_failures"}, {"job_kinds", {"import"}}});
  auto any = rule({{"kind", "job_failures"}, {"name", "any job"}});

  auto fail = [&](const std::string &kind, bool retryable) {
    queue::EnqueueOptions o;
    o.max_attempts = 1;
    auto job = jobs->enqueue(kind, Json::object(), o);
    auto claimed = jobs->claim("w1", {kind}, std::chrono::seconds(30));
    EXPECT_TRUE(claimed && claimed->id == job.id);
    jobs->fail(job.id, "w1", "line 7, field Age: expected a whole number", retryable);
  };
  fail("import", false); // failed
  fail("export", true);  // retryable with no attempts left: dead

  auto first = monitoring_->run("j0");
  EXPECT_EQ(queued_for(first, imports.id), 1);
  EXPECT_EQ(queued_for(first, any.id), 2);
  auto events = rule_events(any.id);
  ASSERT_EQ(events.size(), 2u);
  std::set<std::string> severities;
  for (const auto &e : events)
    severities.insert(e.severity);
  EXPECT_EQ(severities, (std::set<std::string>{"warning", "critical"})); // failed, dead
  EXPECT_NE(rule_events(imports.id)[0].payload["description"].get<std::string>().find("line 7"), std::string::npos);

  // The next run sees the same failures and alerts nothing again.
  auto second = monitoring_->run("j1");
  EXPECT_EQ(queued_for(second, imports.id), 0);
  EXPECT_EQ(queued_for(second, any.id), 0);
  EXPECT_EQ(rule_events(any.id).size(), 2u);
}

} // namespace
} // namespace churnwatch::services
