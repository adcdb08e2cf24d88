// Parsing and validation of Discord webhook URLs, and masking for display.
//
// Accepted: https://<allowed host>/api/webhooks/<id>/<token> and the
// versioned form /api/v<N>/webhooks/<id>/<token>, optionally with
// ?thread_id=<id>. By default only Discord's own hosts are allowed, so a
// stored URL cannot make the server post to an arbitrary address.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace churnwatch::alerts {

inline constexpr std::string_view kAllowHostsEnv = "CHURNWATCH_WEBHOOK_ALLOW_HOSTS";

struct WebhookUrlPolicy {
  // "host" (any port) or "host:port", lower case; a URL without a port
  // matches "host:443" (https). Discord's own hosts are allowed on 443 only.
  std::vector<std::string> allowed_hosts = {"discord.com:443", "discordapp.com:443", "ptb.discord.com:443",
                                            "canary.discord.com:443"};

  // The defaults widened by CHURNWATCH_WEBHOOK_ALLOW_HOSTS (a comma list of
  // host or host:port). A loopback address in that list (127.0.0.1, ::1,
  // localhost) may also be reached over plain http, for local stand-ins.
  static WebhookUrlPolicy from_env();
};

struct WebhookTarget {
  std::string endpoint;  // scheme://host[:port]/api/.../webhooks/<id>/<token>, no query
  std::string id;        // the webhook's snowflake id
  std::string token;     // secret
  std::string host;      // lower case, without brackets or port
  std::optional<std::string> thread_id;

  // The URL with the token shown as "****" and its last 4 characters
  // ("****" alone for tokens shorter than 8), safe for logs and responses.
  std::string mask() const;
  // Key for per-webhook rate-limit state.
  std::string bucket_key() const { return endpoint.substr(0, endpoint.size() - token.size()); }
};

// Throws core::Invalid (field "webhook_url") naming what is wrong; the
// message never contains the token.
WebhookTarget parse_webhook_url(std::string_view url,
                                const WebhookUrlPolicy& policy = WebhookUrlPolicy::from_env());

// mask() of a URL that may not even parse: the last path segment is masked.
std::string mask_webhook_url(std::string_view url);

}  // namespace churnwatch::alerts
