// The Discord webhook message model, Discord's documented size limits, and
// the JSON body sent to Execute Webhook.
//
// Lengths are counted in Unicode code points of the UTF-8 text, which is how
// Discord counts "characters" for these limits (an emoji such as U+1F525 is
// one character, not four bytes). Text is assumed to be valid UTF-8; invalid
// bytes are counted one each so a bad byte can only overestimate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace churnwatch::alerts {

// Discord's limits for one Execute Webhook message.
inline constexpr std::size_t kMaxContent = 2000;
inline constexpr std::size_t kMaxEmbeds = 10;
inline constexpr std::size_t kMaxTitle = 256;
inline constexpr std::size_t kMaxDescription = 4096;
inline constexpr std::size_t kMaxFields = 25;
inline constexpr std::size_t kMaxFieldName = 256;
inline constexpr std::size_t kMaxFieldValue = 1024;
inline constexpr std::size_t kMaxFooterText = 2048;
inline constexpr std::size_t kMaxAuthorName = 256;
inline constexpr std::size_t kMaxUsername = 80;
// Sum over all embeds of a message of title, description, field names and
// values, footer text and author name.
inline constexpr std::size_t kMaxEmbedTotal = 6000;

struct EmbedField {
  std::string name;   // required, 1..256
  std::string value;  // required, 1..1024
  bool inline_field = false;
};

struct Embed {
  std::string title;
  std::string description;
  std::string url;                     // an http(s) link the title points to; empty: none
  std::optional<std::uint32_t> color;  // 0xRRGGBB
  std::vector<EmbedField> fields;
  std::string footer_text;
  std::string author_name;
  std::string timestamp;  // ISO 8601; empty: none
};

struct DiscordMessage {
  std::string content;
  std::string username;  // overrides the webhook's name; empty: keep it
  std::vector<Embed> embeds;
};

// Code points in UTF-8 text.
std::size_t char_count(std::string_view utf8);
// The characters an embed contributes to the 6000 total.
std::size_t embed_chars(const Embed& embed);
std::size_t message_embed_chars(const DiscordMessage& message);

// Every limit the message breaks, as "embeds[0].fields[3].value: 1030 > 1024";
// empty when Discord would accept it (also checks that it is not empty).
std::vector<std::string> limit_violations(const DiscordMessage& message);

// The Execute Webhook JSON body; empty members are left out. Mentions are
// disabled (`allowed_mentions.parse = []`) so customer text cannot ping anyone.
nlohmann::json to_json(const DiscordMessage& message);

}  // namespace churnwatch::alerts
