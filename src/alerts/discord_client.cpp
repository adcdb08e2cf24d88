#include "alerts/discord_client.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <vector>

#include "core/text.hpp"

namespace churnwatch::alerts {

std::string_view delivery_state_name(DeliveryState state) {
  switch (state) {
    case DeliveryState::kDelivered:
      return "delivered";
    case DeliveryState::kRetry:
      return "retry";
    case DeliveryState::kFailed:
      return "failed";
  }
  return "unknown";
}

struct DiscordClient::Response {
  CURLcode code = CURLE_OK;
  std::string error;  // transport error text
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower case
  std::string body;

  std::optional<double> number(const std::string& name) const {
    const auto it = headers.find(name);
    if (it == headers.end()) return std::nullopt;
    try {
      return std::stod(it->second);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }

  // A 429's delay: the body's retry_after (seconds, fractional), else the
  // Retry-After header.
  double retry_after_seconds() const {
    const auto doc = nlohmann::json::parse(body, nullptr, false);
    if (doc.is_object() && doc.contains("retry_after") && doc["retry_after"].is_number())
      return doc["retry_after"].get<double>();
    return number("retry-after").value_or(0.0);
  }

  // Whether a 429 pauses every webhook rather than one bucket.
  bool global_limit() const {
    const auto doc = nlohmann::json::parse(body, nullptr, false);
    if (doc.is_object() && doc.contains("global") && doc["global"].is_boolean() &&
        doc["global"].get<bool>())
      return true;
    const auto global = headers.find("x-ratelimit-global");
    const auto scope = headers.find("x-ratelimit-scope");
    return (global != headers.end() && global->second == "true") ||
           (scope != headers.end() && scope->second == "global");
  }
};

namespace {

constexpr std::size_t kMaxResponseBytes = 1 << 20;
constexpr std::size_t kMaxReasonChars = 2000;

void curl_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* body = static_cast<std::string*>(user);
  const std::size_t bytes = size * n;
  if (body->size() + bytes > kMaxResponseBytes) return 0;  // aborts the transfer
  body->append(data, bytes);
  return bytes;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  const std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) headers->clear();  // a new response (e.g. after 100)
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name = core::ascii_lower(line.substr(0, colon));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
      value.remove_suffix(1);
    (*headers)[name] = std::string(value);
  }
  return size * n;
}

std::chrono::milliseconds seconds_to_ms(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  return std::chrono::milliseconds(
      static_cast<long long>(std::ceil(std::min(seconds, 86400.0) * 1000.0)));
}

// "Unknown Webhook (code 10015)" from Discord's error JSON, else the status.
std::string discord_reason(long status, const std::string& body) {
  std::string reason = fmt::format("HTTP {}", status);
  const auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_object()) {
    if (doc.contains("message") && doc["message"].is_string())
      reason += ": " + doc["message"].get<std::string>();
    if (doc.contains("code") && doc["code"].is_number_integer())
      reason += fmt::format(" (code {})", doc["code"].get<long long>());
    if (doc.contains("errors"))
      reason += " " + doc["errors"].dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else if (!body.empty()) {
    reason += ": " + body.substr(0, 200);
  }
  if (reason.size() > kMaxReasonChars) reason.resize(kMaxReasonChars);
  return reason;
}

bool transient_transport_error(CURLcode code) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_TOO_MANY_REDIRECTS:
      return false;
    default:
      return true;
  }
}

}  // namespace

DiscordClient::DiscordClient(DiscordClientOptions options) : options_(std::move(options)) {
  curl_init_once();
}

DiscordClient::~DiscordClient() = default;

std::chrono::milliseconds DiscordClient::backoff_delay(int attempt) const {
  const double base = static_cast<double>(options_.backoff_initial.count()) *
                      std::pow(2.0, std::clamp(attempt, 1, 40) - 1);
  const double capped = std::min(base, static_cast<double>(options_.backoff_max.count()));
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  return std::chrono::milliseconds(static_cast<long long>(capped * jitter(rng)));
}

std::chrono::milliseconds DiscordClient::acquire(const std::string& key,
                                                 std::chrono::milliseconds wait_limit) {
  std::unique_lock lock(mutex_);
  const auto give_up = Clock::now() + wait_limit;
  for (;;) {
    const auto now = Clock::now();
    Bucket& b = buckets_[key];
    // A reset window is unknown again until the next answer describes it;
    // assuming a full budget would let a burst outrun the new window.
    if (b.remaining >= 0 && b.reset_at <= now) b.remaining = -1;
    auto until = std::max(global_until_, now);
    if (b.remaining == 0) until = std::max(until, b.reset_at);
    // While the bucket is unknown only one request is in flight: its answer
    // tells how many more may follow.
    const bool discovering = b.remaining < 0 && b.in_flight > 0;
    if (until <= now && !discovering) {
      if (b.remaining > 0) --b.remaining;  // reserve, so concurrent senders share the budget
      ++b.in_flight;
      return std::chrono::milliseconds(0);
    }
    if (until > now) {
      const auto wait = std::chrono::ceil<std::chrono::milliseconds>(until - now);
      if (until > give_up) return wait;
      changed_.wait_until(lock, until);
    } else {
      if (now >= give_up) return options_.request_timeout;  // the discovering request is slow
      changed_.wait_until(lock, give_up);
    }
  }
}

void DiscordClient::record(const std::string& key, const Response* response) {
  // Reset-After counts from when Discord answered, which is before the
  // answer arrived here: counting from arrival never resets too early.
  const auto received_at = Clock::now();
  std::lock_guard lock(mutex_);
  Bucket& b = buckets_[key];
  --b.in_flight;
  changed_.notify_all();
  if (!response) return;
  const Response& r = *response;
  const auto remaining = r.number("x-ratelimit-remaining");
  const auto reset_after = r.number("x-ratelimit-reset-after");
  if (const auto limit = r.number("x-ratelimit-limit")) b.limit = static_cast<int>(*limit);
  if (const auto it = r.headers.find("x-ratelimit-bucket"); it != r.headers.end())
    b.id = it->second;
  if (remaining && reset_after) {
    // Answers arrive out of order and our own reservations may be ahead of
    // them, so the lower count and the later reset win.
    const int left = static_cast<int>(*remaining);
    b.remaining = b.remaining < 0 ? left : std::min(b.remaining, left);
    b.reset_at = std::max(b.reset_at, received_at + seconds_to_ms(*reset_after));
  }
  if (r.status == 429) {
    const double retry = r.retry_after_seconds();
    const bool global = r.global_limit();
    const auto until = received_at + seconds_to_ms(retry);
    if (global) {
      global_until_ = std::max(global_until_, until);
    } else {
      // Discord's retry_after is authoritative for this bucket, earlier or later
      // than the window the headers described.
      b.remaining = 0;
      b.reset_at = until;
    }
  }
}

DeliveryResult DiscordClient::send(const WebhookTarget& target, const DiscordMessage& message) {
  return attempt(target, message, options_.max_wait);
}

DeliveryResult DiscordClient::attempt(const WebhookTarget& target, const DiscordMessage& message,
                                      std::chrono::milliseconds wait_limit) {
  DeliveryResult result;
  // Discord counts rejected requests towards an IP ban, so a message that
  // cannot be accepted is never sent.
  if (const auto problems = limit_violations(message); !problems.empty()) {
    result.state = DeliveryState::kFailed;
    result.reason = "message exceeds Discord's limits: " + problems.front();
    if (problems.size() > 1) result.reason += fmt::format(" (and {} more)", problems.size() - 1);
    return result;
  }
  const std::string body =
      to_json(message).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const std::string key = target.bucket_key();
  if (const auto wait = acquire(key, wait_limit); wait.count() > 0) {
    result.state = DeliveryState::kRetry;
    result.retry_after = wait;
    result.rate_limited = true;
    result.reason = "rate limited: waiting for the webhook's rate limit to reset";
    return result;
  }

  std::string url = target.endpoint;
  std::vector<std::string> query;
  if (options_.wait_for_message) query.emplace_back("wait=true");
  if (target.thread_id) query.push_back("thread_id=" + *target.thread_id);
  for (std::size_t i = 0; i < query.size(); ++i) url += (i ? "&" : "?") + query[i];

  Response r;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  curl_slist* raw_headers = nullptr;
  raw_headers = curl_slist_append(raw_headers, "Content-Type: application/json");
  raw_headers = curl_slist_append(raw_headers, "Accept: application/json");
  raw_headers = curl_slist_append(raw_headers, "Expect:");
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(raw_headers,
                                                                      &curl_slist_free_all);
  char errbuf[CURL_ERROR_SIZE] = {0};
  CURL* h = curl.get();
  if (!h || !raw_headers) {
    record(key, nullptr);
    result.state = DeliveryState::kRetry;
    result.retry_after = options_.backoff_initial;
    result.reason = "could not create an HTTP request";
    return result;
  }
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
  curl_easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, raw_headers);
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);

  r.code = curl_easy_perform(h);
  if (r.code != CURLE_OK) {
    result.state =
        transient_transport_error(r.code) ? DeliveryState::kRetry : DeliveryState::kFailed;
    result.retry_after = options_.backoff_initial;
    record(key, nullptr);
    result.reason = fmt::format("network error: {}{}{}", curl_easy_strerror(r.code),
                                errbuf[0] ? ": " : "", errbuf);
    spdlog::warn("discord webhook {}: {}", target.mask(), result.reason);
    return result;
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
  result.http_status = static_cast<int>(r.status);
  record(key, &r);

  if (r.status >= 200 && r.status < 300) {
    result.state = DeliveryState::kDelivered;
    const auto doc = nlohmann::json::parse(r.body, nullptr, false);
    if (doc.is_object() && doc.contains("id") && doc["id"].is_string())
      result.message_id = doc["id"].get<std::string>();
    return result;
  }
  result.reason = discord_reason(r.status, r.body);
  if (r.status == 429) {
    result.state = DeliveryState::kRetry;
    result.rate_limited = true;
    result.retry_after = seconds_to_ms(r.retry_after_seconds());
  } else if (r.status >= 500 || r.status == 408) {
    result.state = DeliveryState::kRetry;
    result.retry_after = options_.backoff_initial;
  } else if (r.status >= 300 && r.status < 400) {
    result.state = DeliveryState::kFailed;
    result.reason = fmt::format("HTTP {}: redirects are not followed", r.status);
  } else {
    result.state = DeliveryState::kFailed;
  }
  spdlog::warn("discord webhook {}: {} ({})", target.mask(), result.reason,
               delivery_state_name(result.state));
  return result;
}

DeliveryResult DiscordClient::deliver_with_retries(const WebhookTarget& target,
                                                   const DiscordMessage& message,
                                                   Clock::time_point deadline) {
  DeliveryResult result;
  for (int n = 1;; ++n) {
    const auto now = Clock::now();
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    result = attempt(target, message,
                     std::max(std::chrono::milliseconds(0), std::min(left, options_.max_wait)));
    result.attempts = n;
    if (result.state != DeliveryState::kRetry || n >= options_.max_attempts) return result;
    // A rate limit's delay is exact; other failures back off exponentially.
    const auto delay = result.rate_limited ? result.retry_after : backoff_delay(n);
    if (Clock::now() + delay > deadline) return result;
    std::this_thread::sleep_for(delay);
  }
}

}  // namespace churnwatch::alerts
