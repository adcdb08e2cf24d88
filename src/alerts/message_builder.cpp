#include "alerts/message_builder.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/errors.hpp"

namespace churnwatch::alerts {

std::uint32_t severity_color(Severity severity) {
  switch (severity) {
    case Severity::kInfo:
      return 0x3498DB;
    case Severity::kWarning:
      return 0xF39C12;
    case Severity::kCritical:
      return 0xE74C3C;
  }
  return 0x95A5A6;
}

std::string_view severity_name(Severity severity) {
  switch (severity) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kCritical:
      return "critical";
  }
  return "unknown";
}

namespace {

constexpr std::string_view kEllipsis = "\u2026";  // one code point
constexpr std::string_view kContinued = " (continued)";

// Byte offset just past the first `n` code points of `s` (or s.size()).
std::size_t byte_offset(std::string_view s, std::size_t n) {
  std::size_t i = 0;
  for (std::size_t seen = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (seen == n) return i;
      ++seen;
    }
  }
  return s.size();
}

// `s` itself when it fits, else its first max-1 code points and "…".
std::string shorten(std::string_view s, std::size_t max) {
  if (char_count(s) <= max) return std::string(s);
  return std::string(s.substr(0, byte_offset(s, max - 1))) + std::string(kEllipsis);
}

struct LogicalField {
  std::string name;  // our own short label
  std::string value;
  bool inline_field = false;
};

// One embed's worth of content before it is cut to Discord's limits.
struct Draft {
  std::string title;  // full text; shortened when placed
  std::string url;
  std::uint32_t color = 0;
  std::string description;  // short, generated text
  std::vector<LogicalField> fields;
};

bool is_http_url(std::string_view url) {
  return (url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0) && url.size() <= 2048 &&
         url.find_first_of(" \t\r\n") == std::string_view::npos;
}

std::vector<EmbedField> expand_fields(const std::vector<LogicalField>& fields) {
  std::vector<EmbedField> out;
  for (const auto& f : fields) {
    const auto pieces =
        split_text(f.value.empty() ? std::string_view("\u2014") : f.value, kMaxFieldValue);
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      std::string name =
          pieces.size() == 1 ? f.name : fmt::format("{} ({}/{})", f.name, i + 1, pieces.size());
      out.push_back(
          {shorten(name, kMaxFieldName), pieces[i], f.inline_field && pieces.size() == 1});
    }
  }
  return out;
}

// Places a draft into one or more embeds, each within every per-embed limit
// and the 6000-character budget.
std::vector<Embed> place(const Draft& draft, const MessageOptions& options) {
  Embed base;
  base.url = is_http_url(draft.url) ? draft.url : std::string();
  base.color = draft.color;
  base.footer_text = options.footer;
  base.timestamp = options.timestamp;

  std::vector<Embed> out;
  auto start_embed = [&] {
    Embed e = base;
    if (out.empty()) {
      e.title = shorten(draft.title, kMaxTitle);
      e.description = draft.description;
    } else {
      e.title = shorten(draft.title, kMaxTitle - char_count(kContinued)) + std::string(kContinued);
    }
    out.push_back(std::move(e));
  };
  start_embed();
  std::size_t used = embed_chars(out.back());
  for (auto& field : expand_fields(draft.fields)) {
    const std::size_t size = char_count(field.name) + char_count(field.value);
    if (out.back().fields.size() == kMaxFields || used + size > kMaxEmbedTotal) {
      start_embed();
      used = embed_chars(out.back());
    }
    used += size;
    out.back().fields.push_back(std::move(field));
  }
  return out;
}

void require_fits(std::string_view what, std::string_view text, std::size_t max) {
  if (char_count(text) > max)
    throw core::Invalid(fmt::format("{} is longer than {} characters", what, max),
                        {{std::string(what), fmt::format("at most {} characters", max), {}, {}}});
}

void check_options(const MessageOptions& options) {
  require_fits("username", options.username, kMaxUsername);
  require_fits("heading", options.heading, kMaxTitle);
  // The footer shares an embed with at least a title and a few fields.
  require_fits("footer", options.footer, kMaxFooterText);
}

// Packs embeds into messages of at most 10 embeds and 6000 characters, and
// writes each message's heading with its part number.
std::vector<DiscordMessage> pack(std::vector<Embed> embeds, const MessageOptions& options,
                                 const std::string& summary_line) {
  std::vector<DiscordMessage> out;
  std::size_t used = 0;
  for (auto& e : embeds) {
    const std::size_t size = embed_chars(e);
    if (out.empty() || out.back().embeds.size() == kMaxEmbeds || used + size > kMaxEmbedTotal) {
      out.emplace_back();
      out.back().username = options.username;
      used = 0;
    }
    used += size;
    out.back().embeds.push_back(std::move(e));
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].content = fmt::format("**{}** \u2014 {}", options.heading, summary_line);
    if (out.size() > 1) out[i].content += fmt::format(" (part {}/{})", i + 1, out.size());
  }
  return out;
}

std::string percent(double p) { return fmt::format("{:.1f}%", p * 100.0); }
std::string points(double change) { return fmt::format("{:+.1f} pts", change * 100.0); }

std::optional<double> change_of(const AlertItem& item) {
  if (item.change) return item.change;
  if (item.previous_probability) return item.probability - *item.previous_probability;
  return std::nullopt;
}

const std::string& name_of(const AlertItem& item) {
  return item.display_name.empty() ? item.customer_id : item.display_name;
}

Draft alert_draft(const AlertItem& item) {
  Draft d;
  d.title = name_of(item);
  d.url = item.link_url;
  d.color = severity_color(item.severity);
  const auto change = change_of(item);
  d.description = fmt::format("{} \u00b7 churn risk **{}**", severity_name(item.severity),
                              percent(item.probability));
  if (!item.risk_level.empty())
    d.description += fmt::format(" \u00b7 level **{}**", item.risk_level);
  if (change && item.previous_probability)
    d.description += fmt::format("\n{} since the last run ({})", points(*change),
                                 percent(*item.previous_probability));
  if (char_count(d.title) > kMaxTitle) d.fields.push_back({"Full name", d.title});
  d.fields.push_back({"Customer ID", item.customer_id, true});
  d.fields.push_back({"Risk", percent(item.probability), true});
  if (item.previous_probability)
    d.fields.push_back({"Previous", percent(*item.previous_probability), true});
  if (change) d.fields.push_back({"Change", points(*change), true});
  if (!item.risk_level.empty()) d.fields.push_back({"Level", item.risk_level, true});
  if (!item.reasons.empty()) {
    std::string reasons;
    for (std::size_t i = 0; i < item.reasons.size(); ++i)
      reasons += fmt::format("{}{}. {}", i ? "\n" : "", i + 1, item.reasons[i]);
    d.fields.push_back({"Top reasons", reasons});
  }
  if (!item.link_url.empty() && !is_http_url(item.link_url))
    d.fields.push_back({"Link", item.link_url});
  return d;
}

}  // namespace

std::vector<std::string> split_text(std::string_view text, std::size_t max_chars) {
  std::vector<std::string> out;
  while (char_count(text) > max_chars) {
    const std::size_t cut = byte_offset(text, max_chars);
    std::size_t at = text.substr(0, cut).rfind('\n');
    if (at == std::string_view::npos || at < cut / 2) {
      const std::size_t space = text.substr(0, cut).rfind(' ');
      at = (space != std::string_view::npos && space >= cut / 2) ? space : std::string_view::npos;
    }
    const std::size_t end = at == std::string_view::npos ? cut : at + 1;
    out.emplace_back(text.substr(0, end));
    text.remove_prefix(end);
  }
  if (!text.empty() || out.empty()) out.emplace_back(text);
  return out;
}

std::vector<DiscordMessage> build_alert_messages(const std::vector<AlertItem>& items,
                                                 const MessageOptions& options) {
  check_options(options);
  if (items.empty()) return {};
  std::vector<Embed> embeds;
  std::size_t critical = 0;
  for (const auto& item : items) {
    if (item.severity == Severity::kCritical) ++critical;
    for (auto& e : place(alert_draft(item), options)) embeds.push_back(std::move(e));
  }
  std::string line =
      fmt::format("{} customer{} at risk", items.size(), items.size() == 1 ? "" : "s");
  if (critical) line += fmt::format(", {} critical", critical);
  return pack(std::move(embeds), options, line);
}

std::vector<DiscordMessage> build_run_summary_messages(const RunSummary& summary,
                                                       const MessageOptions& options) {
  check_options(options);
  Draft d;
  d.title = summary.run_id.empty() ? "Monitoring run" : "Monitoring run " + summary.run_id;
  d.url = summary.link_url;
  d.color = severity_color(summary.alerts_raised ? Severity::kWarning : Severity::kInfo);
  d.description = fmt::format("{} customers scored, {} alert{} raised", summary.customers_scored,
                              summary.alerts_raised, summary.alerts_raised == 1 ? "" : "s");
  if (!summary.run_id.empty()) d.fields.push_back({"Run", summary.run_id, true});
  if (!summary.model_version.empty()) d.fields.push_back({"Model", summary.model_version, true});
  d.fields.push_back({"Customers scored", std::to_string(summary.customers_scored), true});
  d.fields.push_back({"Alerts raised", std::to_string(summary.alerts_raised), true});
  for (const auto& [level, count] : summary.counts_by_level) {
    const std::string name = "Level: " + level;
    if (char_count(name) <= kMaxFieldName)
      d.fields.push_back({name, std::to_string(count), true});
    else  // a name too long for a field name goes, whole, into the value
      d.fields.push_back({"Level", level + ": " + std::to_string(count)});
  }
  if (!summary.top_risers.empty()) {
    std::string lines;
    for (std::size_t i = 0; i < summary.top_risers.size(); ++i) {
      const AlertItem& r = summary.top_risers[i];
      lines += fmt::format("{}{}. {}", i ? "\n" : "", i + 1, name_of(r));
      if (!r.display_name.empty()) lines += fmt::format(" ({})", r.customer_id);
      lines += " \u2014 ";
      if (r.previous_probability) lines += percent(*r.previous_probability) + " \u2192 ";
      lines += percent(r.probability);
      if (const auto c = change_of(r)) lines += fmt::format(" ({})", points(*c));
    }
    d.fields.push_back({"Top risers", lines});
  }
  const std::string line =
      summary.run_id.empty() ? "run summary" : fmt::format("run {} summary", summary.run_id);
  return pack(place(d, options), options, shorten(line, kMaxTitle));
}

}  // namespace churnwatch::alerts
