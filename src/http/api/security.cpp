#include "http/api/security.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>

#include "core/errors.hpp"
#include "core/text.hpp"

namespace churnwatch::http {
namespace {

namespace ip = boost::asio::ip;


bool valid_entry(const std::string &entry) {
  boost::system::error_code ec;
  if (entry.find('/') == std::string::npos) {
    ip::make_address(entry, ec);
  } else if (entry.find(':') == std::string::npos) {
    ip::make_network_v4(entry, ec);
  } else {
    ip::make_network_v6(entry, ec);
  }
  return !ec;
}

// An IPv4 peer may show up as ::ffff:a.b.c.d on a dual-stack socket.
ip::address normalise(const ip::address &a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  return a;
}

bool is_trusted(std::string_view address, const std::vector<std::string> &trusted) {
  boost::system::error_code ec;
  const auto a = ip::make_address(std::string(core::trim(address)), ec);
  if (ec) return false;
  const auto addr = normalise(a);
  for (const auto &entry : trusted) {
    const auto slash = entry.find('/');
    if (slash == std::string::npos) {
      const auto t = ip::make_address(entry, ec);
      if (!ec && normalise(t) == addr) return true;
    } else if (addr.is_v4() && entry.find(':') == std::string::npos) {
      const auto net = ip::make_network_v4(entry, ec);
      if (!ec && ip::network_v4(addr.to_v4(), net.prefix_length()).canonical() == net.canonical())
        return true;
    } else if (addr.is_v6()) {
      const auto net = ip::make_network_v6(entry, ec);
      if (!ec && ip::network_v6(addr.to_v6(), net.prefix_length()).canonical() == net.canonical())
        return true;
    }
  }
  return false;
}

}  // namespace

std::vector<std::string> parse_address_list(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string entry(core::trim(text.substr(0, comma)));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (entry.empty()) continue;
    if (!valid_entry(entry))
      throw core::Invalid("'" + entry + "' is not an IP address or CIDR block",
                          {{"CHURNWATCH_TRUSTED_PROXIES", "comma-separated addresses or CIDR blocks"}});
    out.push_back(entry);
  }
  return out;
}

bool is_listed_address(std::string_view address, const std::vector<std::string>& list) {
  return is_trusted(address, list);
}

std::string client_address(const Request &req, const std::vector<std::string> &trusted_proxies) {
  if (trusted_proxies.empty() || !is_trusted(req.remote_ip, trusted_proxies)) return req.remote_ip;
  std::string_view forwarded = req.header("x-forwarded-for");
  // Right to left: each trusted proxy appended the address it received from.
  while (!forwarded.empty()) {
    const auto comma = forwarded.rfind(',');
    const auto hop = core::trim(comma == std::string_view::npos ? forwarded : forwarded.substr(comma + 1));
    forwarded = comma == std::string_view::npos ? std::string_view() : forwarded.substr(0, comma);
    boost::system::error_code ec;
    ip::make_address(std::string(hop), ec);
    if (ec) break;  // garbage from the client: stop believing the chain here
    if (!is_trusted(hop, trusted_proxies)) return std::string(hop);
  }
  return req.remote_ip;
}

ApiSecurity::ApiSecurity(SecurityOptions options, services::RateLimiter& limiter, services::Audit* audit,
                         std::shared_ptr<services::LockoutCounters> lockout_counters)
    : options_(std::move(options)),
      limiter_(limiter),
      guard_(options_.lockout, std::move(lockout_counters)),
      audit_(audit) {}

std::string ApiSecurity::client_address(const Request &req) const {
  return http::client_address(req, options_.trusted_proxies);
}

void ApiSecurity::limit_address(const Request &req) {
  auto d = limiter_.acquire("ip:" + client_address(req), options_.requests_per_minute_per_ip);
  if (!d.allowed)
    throw core::RateLimited("too many requests from this address; slow down", d.retry_after_seconds);
}

void ApiSecurity::limit_user(std::int64_t user_id) {
  auto d = limiter_.acquire("user:" + std::to_string(user_id), options_.requests_per_minute_per_user);
  if (!d.allowed)
    throw core::RateLimited("too many requests for this user; slow down", d.retry_after_seconds);
}

void ApiSecurity::before_login(const Request &req, std::string_view username) {
  const auto address = client_address(req);
  auto d = limiter_.acquire("login:" + address, options_.logins_per_minute_per_ip);
  if (!d.allowed)
    throw core::RateLimited("too many sign-in attempts from this address", d.retry_after_seconds);
  guard_.check(username, address);
}

void ApiSecurity::login_failed(const Request &req, std::string_view username) {
  guard_.record_failure(username, client_address(req));
}

void ApiSecurity::login_succeeded(const Request& req, std::string_view username) {
  guard_.record_success(username, client_address(req));
}

int ApiSecurity::clear_lockout(const std::optional<std::string>& username,
                               const std::optional<std::string>& address) {
  return guard_.clear(username, address);
}

std::vector<std::string> own_origins(std::string_view public_url, std::string_view listen_host,
                                     unsigned short port, bool tls) {
  auto origin = [](std::string scheme, std::string host, unsigned short p) {
    const bool default_port = (scheme == "http" && p == 80) || (scheme == "https" && p == 443);
    if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
    return scheme + "://" + core::ascii_lower(host) + (default_port ? "" : ":" + std::to_string(p));
  };
  if (!public_url.empty()) {
    const std::string url = core::ascii_lower(core::trim(public_url));
    const auto colon = url.find("://");
    const std::string scheme = colon == std::string::npos ? "" : url.substr(0, colon);
    std::string authority = colon == std::string::npos ? "" : url.substr(colon + 3);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    const bool bad = (scheme != "http" && scheme != "https") || authority.empty() ||
                     authority.find('@') != std::string::npos;
    if (bad)
      throw core::Invalid(
          "'" + std::string(public_url) + "' is not an http(s) URL",
          {{"CHURNWATCH_PUBLIC_URL", "the address users open the UI at, like https://churn.example.com"}});
    // The authority as a browser sends it in Origin: without a default port.
    const auto port_at = authority.rfind(':');
    if (port_at != std::string::npos && authority.find(']', port_at) == std::string::npos) {
      const std::string digits = authority.substr(port_at + 1);
      if (digits == (scheme == "http" ? "80" : "443")) authority.erase(port_at);
    }
    return {scheme + "://" + authority};
  }
  const std::string scheme = tls ? "https" : "http";
  std::string host(listen_host);
  if (host == "0.0.0.0" || host == "::") host = "127.0.0.1";
  std::vector<std::string> out{origin(scheme, host, port)};
  boost::system::error_code ec;
  const auto address = ip::make_address(host, ec);
  if (!ec && address.is_loopback()) out.push_back(origin(scheme, "localhost", port));
  return out;
}

void require_same_origin(const Request &req, const std::vector<std::string> &allowed_origins) {
  const std::string_view origin = req.header("origin");
  if (origin.empty())
    throw core::Forbidden("a request that uses the session cookie must carry an Origin header");
  for (const auto &allowed : allowed_origins)
    if (core::iequals(origin, allowed)) return;
  throw core::Forbidden(
      "the Origin '" + std::string(origin) +
      "' may not use the session cookie (set CHURNWATCH_PUBLIC_URL to the address the UI is "
      "opened at)");
}

void ApiSecurity::require_same_origin(const Request& req) const {
  std::vector<std::string> allowed = options_.public_origins;
  allowed.insert(allowed.end(), options_.allowed_origins.begin(), options_.allowed_origins.end());
  http::require_same_origin(req, allowed);
}

void ApiSecurity::audit(const Request &req, std::string_view action, std::string_view target,
                        nlohmann::json details, std::string_view actor_name) {
  if (!audit_) return;
  services::Actor who{req.user_id, req.user_id ? req.username : std::string(actor_name), client_address(req)};
  audit_->record(who, action, target, std::move(details));
}

std::string audit_action(std::string_view method, std::string_view pattern) {
  constexpr std::string_view kPrefix = "/api/v1/";
  if (pattern.rfind(kPrefix, 0) == 0) pattern.remove_prefix(kPrefix.size());
  std::string out;
  while (!pattern.empty()) {
    const auto slash = pattern.find('/');
    const auto segment = pattern.substr(0, slash);
    pattern = slash == std::string_view::npos ? std::string_view() : pattern.substr(slash + 1);
    if (segment.empty() || segment.front() == '{') continue;
    out.append(segment).push_back('.');
  }
  out += core::ascii_lower(method);
  return out;
}

}  // namespace churnwatch::http
