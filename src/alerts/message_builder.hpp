// Turns alert items and monitoring-run summaries into Discord messages that
// each fit Discord's limits (discord_message.hpp).
//
// Nothing is silently dropped: many customers share a message (one embed per
// customer, up to 10 embeds and 6000 characters per message, further
// messages as needed); a value longer than a field holds is split across
// numbered fields and, past 25 fields or the size budget, continuation
// embeds. Only a customer's display name in an embed title may be shortened,
// with a trailing "…", and then the full name is also given in a field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "alerts/discord_message.hpp"

namespace churnwatch::alerts {

enum class Severity { kInfo, kWarning, kCritical };

// Embed colour for a severity (info blue, warning amber, critical red).
std::uint32_t severity_color(Severity severity);
std::string_view severity_name(Severity severity);

// One customer that tripped an alert rule.
struct AlertItem {
  std::string customer_id;   // external id as users know it
  std::string display_name;  // may be empty: the id is shown instead
  double probability = 0.0;  // current churn probability, 0..1
  std::optional<double> previous_probability;
  std::optional<double> change;      // probability - previous; derived when absent
  std::string risk_level;            // e.g. "high"
  std::vector<std::string> reasons;  // top reasons, most important first
  std::string link_url;              // the customer's page; used as the embed link when http(s)
  Severity severity = Severity::kWarning;
};

struct MessageOptions {
  std::string username = "churnwatch";  // ≤ 80 characters
  // Heading of every message, e.g. the rule name; ≤ 256 characters.
  std::string heading = "Churn risk alert";
  std::string footer = "churnwatch";  // ≤ 2048 characters; empty: none
  std::string timestamp;              // ISO 8601 shown on embeds; empty: none
};

// Messages for a batch of alerts, in the items' order. Empty input: no
// messages. Throws core::Invalid when an option is beyond its limit.
std::vector<DiscordMessage> build_alert_messages(const std::vector<AlertItem>& items,
                                                 const MessageOptions& options = {});

struct RunSummary {
  std::string run_id;
  std::string model_version;
  std::size_t customers_scored = 0;
  // Customers per risk level, in the order to show ("low", "medium", "high").
  std::vector<std::pair<std::string, std::size_t>> counts_by_level;
  std::size_t alerts_raised = 0;
  std::vector<AlertItem> top_risers;  // largest increases first
  std::string link_url;               // run or dashboard page; optional
};

// Messages describing one monitoring run (usually exactly one).
std::vector<DiscordMessage> build_run_summary_messages(const RunSummary& summary,
                                                       const MessageOptions& options = {});

// Splits text into pieces of at most `max_chars` code points, preferring to
// break after a newline, then after a space; never inside a UTF-8 sequence.
// Concatenating the pieces gives back the text.
std::vector<std::string> split_text(std::string_view text, std::size_t max_chars);

}  // namespace churnwatch::alerts
