#include "services/alert_dispatcher.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "alerts/message_builder.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"

namespace churnwatch::services {

namespace {

using Json = nlohmann::json;
using Clock = std::chrono::system_clock;

alerts::Severity to_severity(const std::string &s) {
  if (s == "critical")
    return alerts::Severity::kCritical;
  if (s == "info")
    return alerts::Severity::kInfo;
  return alerts::Severity::kWarning;
}

alerts::AlertItem to_item(const storage::AlertEvent &e) {
  const Json &p = e.payload;
  alerts::AlertItem item;
  item.customer_id = p.value("customer_id", e.customer_id);
  item.display_name = p.value("display_name", "");
  item.probability = p.value("probability", 0.0);
  if (p.contains("previous_probability") &&
      p["previous_probability"].is_number())
    item.previous_probability = p["previous_probability"].get<double>();
  if (p.contains("change") && p["change"].is_number())
    item.change = p["change"].get<double>();
  item.risk_level = p.value("risk_level", "");
  if (p.contains("reasons") && p["reasons"].is_array())
    for (const auto &r : p["reasons"])
      if (r.is_string() && !r.get<std::string>().empty())
        item.reasons.push_back(r.get<std::string>());
  item.link_url = p.value("link_url", "");
  item.severity = to_severity(e.severity);
  return item;
}

// An alert about no single customer (model, drift, jobs) or a test message:
// one embed, its description split over further embeds when long.
std::vector<alerts::DiscordMessage>
rule_messages(const storage::AlertEvent &e) {
  const Json &p = e.payload;
  alerts::DiscordMessage m;
  m.username = "churnwatch";
  alerts::Embed embed;
  embed.title = p.value("title", "churnwatch alert");
  if (alerts::char_count(embed.title) > alerts::kMaxTitle)
    embed.title =
        alerts::split_text(embed.title, alerts::kMaxTitle - 1).front() + "…";
  embed.color = alerts::severity_color(to_severity(e.severity));
  embed.footer_text = p.value("rule_name", "churnwatch");
  auto pieces =
      alerts::split_text(p.value("description", ""), alerts::kMaxDescription);
  if (!pieces.empty())
    embed.description = pieces.front();
  if (p.contains("fields"))
    for (const auto &f : p["fields"]) {
      if (embed.fields.size() == alerts::kMaxFields)
        break;
      auto name =
          alerts::split_text(f.value("name", "-"), alerts::kMaxFieldName);
      auto value =
          alerts::split_text(f.value("value", "-"), alerts::kMaxFieldValue);
      embed.fields.push_back({name.empty() ? "-" : name.front(),
                              value.empty() ? "-" : value.front(), true});
    }
  m.embeds.push_back(std::move(embed));
  std::vector<alerts::DiscordMessage> out;
  for (std::size_t i = 1; i < pieces.size(); ++i) {
    alerts::Embed more;
    more.description = pieces[i];
    more.color = alerts::severity_color(to_severity(e.severity));
    if (m.embeds.size() == alerts::kMaxEmbeds ||
        alerts::message_embed_chars(m) + alerts::embed_chars(more) >
            alerts::kMaxEmbedTotal) {
      out.push_back(std::move(m));
      m = alerts::DiscordMessage{};
      m.username = "churnwatch";
    }
    m.embeds.push_back(std::move(more));
  }
  out.push_back(std::move(m));
  return out;
}

std::vector<alerts::DiscordMessage>
summary_messages(const storage::AlertEvent &e) {
  const Json &p = e.payload;
  alerts::RunSummary s;
  s.run_id = p.value("run_id", e.run_id);
  s.model_version = std::to_string(p.value("model_version", 0));
  s.customers_scored = p.value("customers_scored", std::size_t{0});
  s.alerts_raised = p.value("alerts_raised", std::size_t{0});
  if (p.contains("by_level") && p["by_level"].is_object())
    for (const auto &[level, n] : p["by_level"].items())
      s.counts_by_level.emplace_back(level, n.get<std::size_t>());
  if (p.contains("top"))
    for (const auto &t : p["top"]) {
      storage::AlertEvent fake;
      fake.payload = t;
      fake.severity = "warning";
      s.top_risers.push_back(to_item(fake));
    }
  s.link_url = p.value("link_url", "");
  alerts::MessageOptions options;
  options.heading =
      "Monitoring run: " + p.value("rule_name", std::string("alerts"));
  if (alerts::char_count(options.heading) > alerts::kMaxTitle)
    options.heading = "Monitoring run";
  return alerts::build_run_summary_messages(s, options);
}

struct Unit {
  std::vector<std::int64_t> ids;
  std::vector<alerts::DiscordMessage> messages;
  int attempts = 0; // the most any of its events made
};

} // namespace

AlertDispatcher::AlertDispatcher(storage::Store &store, AlertRules &rules,
                                 alerts::Notifier &notifier,
                                 DispatcherOptions options)
    : store_(store), rules_(rules), notifier_(notifier), options_(options) {}

AlertDispatcher::~AlertDispatcher() { stop(); }

std::chrono::milliseconds AlertDispatcher::backoff(int attempt) const {
  auto d = options_.backoff_initial;
  for (int i = 1; i < attempt && d < options_.backoff_max; ++i)
    d *= 2;
  return std::min(d, options_.backoff_max);
}

DispatchReport AlertDispatcher::drain_once() {
  DispatchReport report;
  const auto now = Clock::now();
  auto events = store_.claim_alert_events(
      core::to_iso8601(now), core::to_iso8601(now + options_.lease),
      options_.batch);
  std::map<std::int64_t, std::vector<storage::AlertEvent>> by_rule;
  for (auto &e : events)
    by_rule[e.rule_id].push_back(std::move(e));
  for (auto &[rule_id, list] : by_rule)
    deliver_rule(rule_id, list, report);
  return report;
}

DispatchReport
AlertDispatcher::drain(std::chrono::steady_clock::time_point deadline) {
  DispatchReport total;
  while (std::chrono::steady_clock::now() < deadline) {
    DispatchReport r = drain_once();
    total.messages_sent += r.messages_sent;
    total.delivered += r.delivered;
    total.retrying += r.retrying;
    total.failed += r.failed;
    if (r.delivered + r.retrying + r.failed == 0)
      break;
  }
  return total;
}

void AlertDispatcher::deliver_rule(std::int64_t rule_id,
                                   std::vector<storage::AlertEvent> &events,
                                   DispatchReport &report) {
  auto ids_of = [](const std::vector<storage::AlertEvent> &list) {
    std::vector<std::int64_t> ids;
    for (const auto &e : list)
      ids.push_back(e.id);
    return ids;
  };
  auto rule = store_.find_alert_rule(rule_id);
  alerts::WebhookTarget target;
  try {
    if (!rule)
      throw core::NotFound("the rule was deleted");
    target = rules_.webhook(*rule);
  } catch (const core::Error &e) {
    store_.finish_alert_events(ids_of(events), "failed",
                               std::string("webhook unusable: ") + e.what(), "",
                               true);
    report.failed += static_cast<std::int64_t>(events.size());
    return;
  }

  // Units: the customer alerts packed greedily into as few messages as the
  // limits allow, then every other event on its own, summaries last.
  std::stable_sort(events.begin(), events.end(),
                   [](const auto &a, const auto &b) {
                     auto order = [](const std::string &k) {
                       return k == "customer" ? 0 : k == "summary" ? 2 : 1;
                     };
                     return order(a.kind) < order(b.kind);
                   });
  alerts::MessageOptions options;
  options.heading = rule->name;
  if (alerts::char_count(options.heading) > alerts::kMaxTitle)
    options.heading = "Churn risk alert";
  options.timestamp = core::now_iso8601();
  std::vector<Unit> units;
  Unit open;
  std::vector<alerts::AlertItem> open_items;
  auto close_open = [&] {
    if (open.ids.empty())
      return;
    open.messages = alerts::build_alert_messages(open_items, options);
    units.push_back(std::move(open));
    open = Unit{};
    open_items.clear();
  };
  for (const auto &e : events) {
    if (e.kind != "customer") {
      close_open();
      Unit u;
      u.ids = {e.id};
      u.attempts = e.attempts;
      u.messages = e.kind == "summary" ? summary_messages(e) : rule_messages(e);
      units.push_back(std::move(u));
      continue;
    }
    open_items.push_back(to_item(e));
    if (open_items.size() > 1 &&
        alerts::build_alert_messages(open_items, options).size() > 1) {
      open_items.pop_back();
      close_open();
      open_items.push_back(to_item(e));
    }
    open.ids.push_back(e.id);
    open.attempts = std::max(open.attempts, e.attempts);
  }
  close_open();

  for (std::size_t u = 0; u < units.size(); ++u) {
    Unit &unit = units[u];
    alerts::DeliveryResult result;
    result.state = alerts::DeliveryState::kDelivered;
    for (const auto &message : unit.messages) {
      result = notifier_.send(target, message);
      if (result.state != alerts::DeliveryState::kDelivered)
        break;
      ++report.messages_sent;
    }
    const auto n = static_cast<std::int64_t>(unit.ids.size());
    if (result.state == alerts::DeliveryState::kDelivered) {
      store_.finish_alert_events(unit.ids, "delivered", "", "", true);
      report.delivered += n;
      continue;
    }
    const std::string reason =
        result.reason.empty() ? "HTTP " + std::to_string(result.http_status)
                              : result.reason;
    if (result.state == alerts::DeliveryState::kFailed ||
        (!result.rate_limited && unit.attempts + 1 >= options_.max_attempts)) {
      const std::string why = result.state == alerts::DeliveryState::kFailed
                                  ? reason
                                  : "gave up after " +
                                        std::to_string(unit.attempts + 1) +
                                        " attempts: " + reason;
      spdlog::warn("alert delivery to {} failed: {}", target.mask(), why);
      store_.finish_alert_events(unit.ids, "failed", why, "", true);
      report.failed += n;
      if (result.state == alerts::DeliveryState::kFailed &&
          result.http_status != 400) {
        // The webhook itself is unusable (deleted, bad token): the rest of
        // this rule's events cannot do better.
        for (std::size_t rest = u + 1; rest < units.size(); ++rest) {
          store_.finish_alert_events(units[rest].ids, "failed", why, "", true);
          report.failed += static_cast<std::int64_t>(units[rest].ids.size());
        }
        return;
      }
      continue;
    }
    // Try again later; the rest of this webhook's events wait as long, unsent.
    // A 429 is Discord saying when to come back, not a failed attempt: it
    // counts towards neither the backoff nor max_attempts, or a long rate
    // limit followed by one 5xx would give up on alerts Discord never refused.
    auto wait = std::max(result.retry_after, result.rate_limited
                                                 ? result.retry_after
                                                 : backoff(unit.attempts + 1));
    const std::string next = core::to_iso8601(Clock::now() + wait);
    store_.finish_alert_events(unit.ids, "pending", reason, next,
                               !result.rate_limited);
    report.retrying += n;
    for (std::size_t rest = u + 1; rest < units.size(); ++rest) {
      store_.finish_alert_events(units[rest].ids, "pending", "", next, false);
      report.retrying += static_cast<std::int64_t>(units[rest].ids.size());
    }
    return;
  }
}

alerts::DeliveryResult
AlertDispatcher::send_test(const storage::AlertRule &rule) {
  const alerts::WebhookTarget target = rules_.webhook(rule);
  storage::AlertEvent e;
  e.severity = "info";
  e.payload = {{"title", "Test message from churnwatch"},
               {"description", "The alert rule '" + rule.name + "' (" +
                                   rule.kind +
                                   ") will post here. No action is needed."},
               {"rule_name", rule.name}};
  alerts::DeliveryResult result;
  for (const auto &message : rule_messages(e)) {
    result = notifier_.send(target, message);
    if (result.state != alerts::DeliveryState::kDelivered)
      break;
  }
  return result;
}

void AlertDispatcher::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable())
    return;
  stopping_ = false;
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      woken_ = false;
      lock.unlock();
      try {
        drain(std::chrono::steady_clock::now() + std::chrono::seconds(30));
      } catch (const std::exception &e) {
        spdlog::error("alert dispatcher: {}", e.what());
      }
      lock.lock();
      cv_.wait_for(lock, options_.poll_interval,
                   [this] { return stopping_ || woken_; });
    }
  });
}

void AlertDispatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

void AlertDispatcher::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  cv_.notify_all();
}

} // namespace churnwatch::services
