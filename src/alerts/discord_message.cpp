#include "alerts/discord_message.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace churnwatch::alerts {

std::size_t char_count(std::string_view utf8) {
  std::size_t n = 0;
  for (unsigned char c : utf8) {
    if ((c & 0xC0) != 0x80) ++n;  // count every byte that is not a continuation byte
  }
  return n;
}

std::size_t embed_chars(const Embed& embed) {
  std::size_t n = char_count(embed.title) + char_count(embed.description) +
                  char_count(embed.footer_text) + char_count(embed.author_name);
  for (const auto& f : embed.fields) n += char_count(f.name) + char_count(f.value);
  return n;
}

std::size_t message_embed_chars(const DiscordMessage& message) {
  std::size_t n = 0;
  for (const auto& e : message.embeds) n += embed_chars(e);
  return n;
}

namespace {

void check(std::vector<std::string>& out, const std::string& where, std::string_view text,
           std::size_t max) {
  const std::size_t n = char_count(text);
  if (n > max) out.push_back(fmt::format("{}: {} > {}", where, n, max));
}

}  // namespace

std::vector<std::string> limit_violations(const DiscordMessage& message) {
  std::vector<std::string> out;
  if (message.content.empty() && message.embeds.empty()) out.push_back("message: empty");
  check(out, "content", message.content, kMaxContent);
  check(out, "username", message.username, kMaxUsername);
  if (message.embeds.size() > kMaxEmbeds)
    out.push_back(fmt::format("embeds: {} > {}", message.embeds.size(), kMaxEmbeds));
  for (std::size_t i = 0; i < message.embeds.size(); ++i) {
    const Embed& e = message.embeds[i];
    const std::string at = fmt::format("embeds[{}]", i);
    check(out, at + ".title", e.title, kMaxTitle);
    check(out, at + ".description", e.description, kMaxDescription);
    check(out, at + ".footer.text", e.footer_text, kMaxFooterText);
    check(out, at + ".author.name", e.author_name, kMaxAuthorName);
    if (e.fields.size() > kMaxFields)
      out.push_back(fmt::format("{}.fields: {} > {}", at, e.fields.size(), kMaxFields));
    for (std::size_t j = 0; j < e.fields.size(); ++j) {
      const std::string fat = fmt::format("{}.fields[{}]", at, j);
      if (e.fields[j].name.empty()) out.push_back(fat + ".name: empty");
      if (e.fields[j].value.empty()) out.push_back(fat + ".value: empty");
      check(out, fat + ".name", e.fields[j].name, kMaxFieldName);
      check(out, fat + ".value", e.fields[j].value, kMaxFieldValue);
    }
  }
  const std::size_t total = message_embed_chars(message);
  if (total > kMaxEmbedTotal)
    out.push_back(fmt::format("embeds (total): {} > {}", total, kMaxEmbedTotal));
  return out;
}

nlohmann::json to_json(const DiscordMessage& message) {
  nlohmann::json body = nlohmann::json::object();
  if (!message.content.empty()) body["content"] = message.content;
  if (!message.username.empty()) body["username"] = message.username;
  body["allowed_mentions"] = {{"parse", nlohmann::json::array()}};
  if (message.embeds.empty()) return body;
  auto& embeds = body["embeds"] = nlohmann::json::array();
  for (const Embed& e : message.embeds) {
    nlohmann::json j = nlohmann::json::object();
    if (!e.title.empty()) j["title"] = e.title;
    if (!e.description.empty()) j["description"] = e.description;
    if (!e.url.empty()) j["url"] = e.url;
    if (e.color) j["color"] = *e.color;
    if (!e.footer_text.empty()) j["footer"] = {{"text", e.footer_text}};
    if (!e.author_name.empty()) j["author"] = {{"name", e.author_name}};
    if (!e.timestamp.empty()) j["timestamp"] = e.timestamp;
    if (!e.fields.empty()) {
      auto& fields = j["fields"] = nlohmann::json::array();
      for (const auto& f : e.fields)
        fields.push_back({{"name", f.name}, {"value", f.value}, {"inline", f.inline_field}});
    }
    embeds.push_back(std::move(j));
  }
  return body;
}

}  // namespace churnwatch::alerts
