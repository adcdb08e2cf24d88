#include "alerts/webhook_url.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>

#include "core/errors.hpp"
#include "core/text.hpp"

namespace churnwatch::alerts {

namespace {


[[noreturn]] void reject(const std::string& why) {
  throw core::Invalid("invalid Discord webhook URL: " + why, {{"webhook_url", why, {}, {}}});
}

bool all_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool is_token(std::string_view s) {
  return !s.empty() && s.size() <= 200 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

bool is_loopback(std::string_view host) {
  return host == "127.0.0.1" || host == "::1" || host == "localhost";
}

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct CurlString {
  char* p = nullptr;
  ~CurlString() { curl_free(p); }
};

// A URL part, or nullopt when the URL has none.
std::optional<std::string> part(CURLU* u, CURLUPart which, unsigned flags = 0) {
  CurlString s;
  if (curl_url_get(u, which, &s.p, flags) != CURLUE_OK || !s.p) return std::nullopt;
  return std::string(s.p);
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const auto at = s.find(sep, start);
    out.emplace_back(s.substr(start, at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

}  // namespace

WebhookUrlPolicy WebhookUrlPolicy::from_env() {
  WebhookUrlPolicy policy;
  if (const char* extra = std::getenv(std::string(kAllowHostsEnv).c_str())) {
    for (const auto& item : split(extra, ',')) {
      auto host = core::ascii_lower(core::trim(item));
      if (!host.empty()) policy.allowed_hosts.push_back(std::move(host));
    }
  }
  return policy;
}

std::string WebhookTarget::mask() const {
  const std::string shown = token.size() >= 8 ? "****" + token.substr(token.size() - 4) : "****";
  std::string out = endpoint.substr(0, endpoint.size() - token.size()) + shown;
  if (thread_id) out += "?thread_id=" + *thread_id;
  return out;
}

std::string mask_webhook_url(std::string_view url) {
  const auto cut = url.find_first_of("?#");
  std::string_view path = url.substr(0, cut);
  const auto slash = path.find_last_of('/');
  if (slash == std::string_view::npos) return "****";
  const std::string_view token = path.substr(slash + 1);
  const std::string shown =
      token.size() >= 8 ? "****" + std::string(token.substr(token.size() - 4)) : "****";
  return std::string(path.substr(0, slash + 1)) + shown;
}

WebhookTarget parse_webhook_url(std::string_view url, const WebhookUrlPolicy& policy) {
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  if (!u) throw core::Unavailable("out of memory parsing a URL");
  const std::string text(core::trim(url));
  if (text.empty()) reject("empty");
  if (curl_url_set(u.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK)
    reject("not an absolute URL");

  const std::string scheme = core::ascii_lower(part(u.get(), CURLUPART_SCHEME).value_or(""));
  std::string host = core::ascii_lower(part(u.get(), CURLUPART_HOST).value_or(""));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const auto port = part(u.get(), CURLUPART_PORT);
  if (part(u.get(), CURLUPART_USER) || part(u.get(), CURLUPART_PASSWORD))
    reject("user information is not allowed");
  if (part(u.get(), CURLUPART_FRAGMENT)) reject("a fragment is not allowed");

  const std::string host_port = port ? fmt::format("{}:{}", host, *port) : host;
  // Without a port the URL goes to 443 (https is required below).
  const std::string effective_port = port.value_or("443");
  const bool allowed =
      std::any_of(policy.allowed_hosts.begin(), policy.allowed_hosts.end(), [&](const std::string& h) {
        return h == host || h == host_port || h == fmt::format("[{}]:{}", host, port.value_or("")) ||
               h == fmt::format("{}:{}", host, effective_port) ||
               h == fmt::format("[{}]:{}", host, effective_port);
      });
  if (!allowed) reject(fmt::format("host {} is not an allowed webhook host", host));
  if (scheme != "https" && !(scheme == "http" && is_loopback(host)))
    reject(fmt::format("scheme {} is not allowed (https required)", scheme));

  // Path segments (still percent-encoded; ids and tokens allow no escapes) after the leading '/'.
  const std::string path = part(u.get(), CURLUPART_PATH).value_or("/");
  auto segments = split(std::string_view(path).substr(1), '/');
  if (!segments.empty() && segments.back().empty() && segments.size() > 1) segments.pop_back();
  std::size_t i = 0;
  const auto next_is = [&](std::string_view s) { return i < segments.size() && segments[i] == s; };
  if (!next_is("api")) reject("path must start with /api/webhooks/");
  ++i;
  if (i < segments.size() && segments[i].size() > 1 && segments[i][0] == 'v' &&
      all_digits(std::string_view(segments[i]).substr(1)))
    ++i;
  if (!next_is("webhooks")) reject("path must be /api/webhooks/<id>/<token>");
  ++i;
  if (segments.size() != i + 2) reject("path must be /api/webhooks/<id>/<token>");
  WebhookTarget t;
  t.id = segments[i];
  t.token = segments[i + 1];
  if (!all_digits(t.id) || t.id.size() > 20) reject("webhook id must be a number");
  if (!is_token(t.token)) reject("webhook token has unexpected characters");

  if (const auto query = part(u.get(), CURLUPART_QUERY)) {
    for (const auto& kv : split(*query, '&')) {
      if (kv.rfind("thread_id=", 0) == 0 && all_digits(std::string_view(kv).substr(10)))
        t.thread_id = kv.substr(10);
      else if (kv.rfind("wait=", 0) != 0)  // the client sets wait itself
        reject("only thread_id may be given in the query");
    }
  }

  t.host = host;
  const std::string host_text = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::string prefix = scheme + "://" + host_text + (port ? ":" + *port : "");
  t.endpoint = prefix;
  for (std::size_t k = 0; k < segments.size(); ++k) t.endpoint += "/" + segments[k];
  return t;
}

}  // namespace churnwatch::alerts
