// A strict local stand-in for Discord's Execute Webhook endpoint, for tests.
//
// POST /api/webhooks/{id}/{token} (and /api/v10/...) on 127.0.0.1, port 0.
// It checks every documented limit the way Discord does and answers
// 400 {"code":50035,"message":"Invalid Form Body","errors":{...}} with
// Discord's nested error paths; 400 code 50006 for an empty message or a
// body that is not JSON by content type; 400 code 50109 for invalid JSON;
// 404 code 10015 for an unknown webhook id; 401 code 50027 for a wrong token.
// It sends X-RateLimit-* headers and enforces them (a fixed window per
// webhook) with real 429s, and can be told to answer the next N requests
// with a 429 (optionally global), 500, 404 or 401. Accepted messages are
// recorded. Lengths are counted in Unicode code points.
#pragma once

#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "http/router.hpp"
#include "http/server.hpp"

namespace churnwatch::alerts::testing {

class DiscordStandin {
 public:
  using Clock = std::chrono::steady_clock;
  using json = nlohmann::json;

  struct Options {
    int rate_limit = 5;                      // requests per window per webhook
    std::chrono::milliseconds window{2000};  // rate-limit window
  };
  enum class Fault { k429, k429Global, k500, k404, k401 };

  struct Hit {  // one request as received
    Clock::time_point at;
    std::string webhook_id;
    int status = 0;
    std::string user_agent;
    std::string content_type;
    std::string query;          // "wait=true"
    bool enforced_429 = false;  // 429 because the client ignored the rate limit
  };

  static constexpr const char* kDefaultId = "112233445566778899";
  static constexpr const char* kDefaultToken = "AbCdEfGhIjKlMnOpQrStUvWxYz-0123456789_tokenTAIL";

  DiscordStandin() : DiscordStandin(Options{}) {}
  explicit DiscordStandin(Options options) : options_(options) {
    add_webhook(kDefaultId, kDefaultToken);
    http::Router router;
    for (const char* pattern : {"/api/webhooks/{id}/{token}", "/api/v10/webhooks/{id}/{token}"})
      router.add("POST", pattern, [this](http::Request& req) { return handle(req); });
    http::ServerOptions so;
    so.port = 0;
    so.threads = 2;
    server_ = std::make_unique<http::Server>(so, std::move(router));
    server_->start();
  }
  ~DiscordStandin() {
    server_->stop(1);
    server_->wait();
  }

  void add_webhook(const std::string& id, const std::string& token) {
    std::lock_guard lock(mutex_);
    tokens_[id] = token;
  }
  unsigned short port() const { return server_->port(); }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port()); }
  std::string url(const std::string& id = kDefaultId) const {
    std::lock_guard lock(mutex_);
    return base() + "/api/webhooks/" + id + "/" + tokens_.at(id);
  }

  // The next `n` requests (to any webhook) get `fault`; 429s say retry_after.
  void fail_next(int n, Fault fault, double retry_after = 0.2) {
    std::lock_guard lock(mutex_);
    for (int i = 0; i < n; ++i) faults_.push_back({fault, retry_after});
  }

  std::vector<json> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }
  std::vector<Hit> hits() const {
    std::lock_guard lock(mutex_);
    return hits_;
  }
  int enforced_429s() const {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& h : hits_) n += h.enforced_429;
    return n;
  }

  // Discord's "errors" object for a body; empty when every limit is met.
  // (Emptiness of the whole message is checked separately: code 50006.)
  static json validate(const json& body) {
    json errors = json::object();
    if (!body.is_object()) {
      add(errors, {}, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType");
      return errors;
    }
    check_string(errors, body, "content", {}, 0, 2000);
    if (body.contains("username") && !body["username"].is_null()) {
      check_string(errors, body, "username", {}, 1, 80);
      if (body["username"].is_string()) {
        std::string lower = body["username"].get<std::string>();
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        for (const char* banned : {"discord", "clyde"})
          if (lower.find(banned) != std::string::npos)
            add(errors, {"username"}, "USERNAME_INVALID_CONTAINS",
                std::string("Username cannot contain \"") + banned + "\"");
      }
    }
    if (body.contains("embeds") && !body["embeds"].is_null()) {
      const json& embeds = body["embeds"];
      if (!embeds.is_array()) {
        add(errors, {"embeds"}, "BASE_TYPE_ARRAY", "Must be an array.");
      } else {
        if (embeds.size() > 10)
          add(errors, {"embeds"}, "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.");
        std::size_t total = 0;
        for (std::size_t i = 0; i < embeds.size(); ++i)
          total += check_embed(errors, embeds[i], std::to_string(i));
        if (total > 6000)
          add(errors, {"embeds"}, "MAX_EMBED_SIZE_EXCEEDED",
              "Embed size exceeds maximum size of 6000");
      }
    }
    return errors;
  }

  // Unicode code points in valid UTF-8 (the parser has already rejected
  // invalid UTF-8), decoded rather than estimated.
  static std::size_t code_points(const std::string& s) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size(); ++n) {
      const auto c = static_cast<unsigned char>(s[i]);
      i += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    }
    return n;
  }

 private:
  struct Window {
    Clock::time_point start{};
    int used = 0;
  };
  struct Scripted {
    Fault fault;
    double retry_after;
  };

  static void add(json& errors, const std::vector<std::string>& path, const std::string& code,
                  const std::string& message) {
    json* at = &errors;
    for (const auto& p : path) at = &(*at)[p];
    (*at)["_errors"].push_back({{"code", code}, {"message", message}});
  }

  // Checks body[key] as an optional string of min..max code points; returns its length.
  static std::size_t check_string(json& errors, const json& obj, const std::string& key,
                                  std::vector<std::string> path, std::size_t min, std::size_t max,
                                  bool required = false) {
    path.push_back(key);
    if (!obj.contains(key) || obj[key].is_null()) {
      if (required) add(errors, path, "BASE_TYPE_REQUIRED", "This field is required");
      return 0;
    }
    if (!obj[key].is_string()) {
      add(errors, path, "BASE_TYPE_STRING", "Must be a string.");
      return 0;
    }
    const std::size_t n = code_points(obj[key].get<std::string>());
    if (n == 0 && required)
      add(errors, path, "BASE_TYPE_REQUIRED", "This field is required");
    else if (n < min || n > max)
      add(errors, path, "BASE_TYPE_BAD_LENGTH",
          "Must be between " + std::to_string(min) + " and " + std::to_string(max) + " in length.");
    return n;
  }

  static bool well_formed_url(const std::string& s) {
    const auto scheme_end = s.find("://");
    if (scheme_end == std::string::npos) return false;
    const std::string scheme = s.substr(0, scheme_end);
    if (scheme != "http" && scheme != "https" && scheme != "attachment") return false;
    if (s.size() == scheme_end + 3 || s.size() > 2048) return false;
    return s.find_first_of(" \t\r\n") == std::string::npos;
  }

  // Validates one embed; returns the characters it adds to the 6000 total.
  static std::size_t check_embed(json& errors, const json& e, const std::string& index) {
    const std::vector<std::string> at = {"embeds", index};
    if (!e.is_object()) {
      add(errors, at, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType");
      return 0;
    }
    std::size_t total = check_string(errors, e, "title", at, 0, 256);
    total += check_string(errors, e, "description", at, 0, 4096);
    if (e.contains("url")) {
      if (!e["url"].is_string() || !well_formed_url(e["url"].get<std::string>()))
        add(errors, {"embeds", index, "url"}, "URL_TYPE_INVALID_URL", "Not a well formed URL.");
    }
    if (e.contains("color")) {
      if (!e["color"].is_number_integer())
        add(errors, {"embeds", index, "color"}, "NUMBER_TYPE_COERCE", "Value is not int.");
      else if (e["color"].get<long long>() < 0 || e["color"].get<long long>() > 0xFFFFFF)
        add(errors, {"embeds", index, "color"}, "NUMBER_TYPE_MAX",
            "int value should be less than or equal to 16777215.");
    }
    if (e.contains("timestamp")) {
      const bool ok = e["timestamp"].is_string() &&
                      e["timestamp"].get<std::string>().size() >= 19 &&
                      e["timestamp"].get<std::string>()[10] == 'T';
      if (!ok)
        add(errors, {"embeds", index, "timestamp"}, "DATE_TIME_TYPE_PARSE",
            "Could not parse timestamp. Should be ISO8601.");
    }
    if (e.contains("footer"))
      total +=
          check_string(errors, e["footer"], "text", {"embeds", index, "footer"}, 1, 2048, true);
    if (e.contains("author"))
      total += check_string(errors, e["author"], "name", {"embeds", index, "author"}, 1, 256, true);
    if (e.contains("fields")) {
      const json& fields = e["fields"];
      if (!fields.is_array()) {
        add(errors, {"embeds", index, "fields"}, "BASE_TYPE_ARRAY", "Must be an array.");
      } else {
        if (fields.size() > 25)
          add(errors, {"embeds", index, "fields"}, "BASE_TYPE_MAX_LENGTH",
              "Must be 25 or fewer in length.");
        for (std::size_t j = 0; j < fields.size(); ++j) {
          const std::vector<std::string> fat = {"embeds", index, "fields", std::to_string(j)};
          total += check_string(errors, fields[j], "name", fat, 1, 256, true);
          total += check_string(errors, fields[j], "value", fat, 1, 1024, true);
          if (fields[j].contains("inline") && !fields[j]["inline"].is_boolean())
            add(errors, {"embeds", index, "fields", std::to_string(j), "inline"},
                "BASE_TYPE_BOOLEAN", "Must be either true or false.");
        }
      }
    }
    return total;
  }

  static http::Response error(int status, long long code, const std::string& message,
                              const json& errors = nullptr) {
    json body = {{"code", code}, {"message", message}};
    if (!errors.is_null()) body["errors"] = errors;
    return http::Response::json(status, body.dump());
  }

  // Seconds with millisecond precision, rounded up as Discord does.
  static std::string seconds(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", std::ceil(s * 1000.0) / 1000.0);
    return buf;
  }

  static bool is_empty_message(const json& body) {
    const bool no_content =
        !body.contains("content") || body["content"].is_null() ||
        (body["content"].is_string() && body["content"].get<std::string>().empty());
    const bool no_embeds = !body.contains("embeds") || body["embeds"].is_null() ||
                           (body["embeds"].is_array() && body["embeds"].empty());
    return no_content && no_embeds;
  }

  http::Response handle(http::Request& req) {
    std::lock_guard lock(mutex_);
    const std::string id = req.param("id");
    Hit hit{Clock::now(),
            id,
            0,
            std::string(req.header("user-agent")),
            std::string(req.header("content-type")),
            "",
            false};
    const auto q = req.target.find('?');
    if (q != std::string::npos) hit.query = req.target.substr(q + 1);
    http::Response res = respond(req, id, hit);
    hit.status = res.status;
    hits_.push_back(hit);
    return res;
  }

  http::Response respond(http::Request& req, const std::string& id, Hit& hit) {
    const auto now = Clock::now();
    if (!faults_.empty()) {
      const Scripted s = faults_.front();
      faults_.pop_front();
      switch (s.fault) {
        case Fault::k500:
          return error(500, 0, "500: Internal Server Error");
        case Fault::k404:
          return error(404, 10015, "Unknown Webhook");
        case Fault::k401:
          return error(401, 50027, "Invalid Webhook Token");
        case Fault::k429:
        case Fault::k429Global: {
          const bool global = s.fault == Fault::k429Global;
          http::Response r =
              http::Response::json(429, json{{"message", "You are being rate limited."},
                                             {"retry_after", s.retry_after},
                                             {"global", global}}
                                            .dump());
          r.set_header("Retry-After", std::to_string(static_cast<long>(std::ceil(s.retry_after))));
          r.set_header("X-RateLimit-Scope", global ? "global" : "shared");
          if (global) r.set_header("X-RateLimit-Global", "true");
          return r;
        }
      }
    }
    const auto token = tokens_.find(id);
    if (token == tokens_.end()) return error(404, 10015, "Unknown Webhook");
    if (token->second != req.param("token")) return error(401, 50027, "Invalid Webhook Token");

    // Rate limit: a fixed window per webhook; every request counts.
    Window& w = windows_[id];
    if (now >= w.start + options_.window) w = Window{now, 0};
    const double reset_after =
        std::chrono::duration<double>(w.start + options_.window - now).count();
    const double reset_epoch =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() +
        reset_after;
    auto rate_headers = [&](http::Response& r, int remaining) {
      r.set_header("X-RateLimit-Limit", std::to_string(options_.rate_limit));
      r.set_header("X-RateLimit-Remaining", std::to_string(remaining));
      r.set_header("X-RateLimit-Reset", seconds(reset_epoch));
      r.set_header("X-RateLimit-Reset-After", seconds(reset_after));
      r.set_header("X-RateLimit-Bucket", "webhook-" + id);
    };
    if (w.used >= options_.rate_limit) {
      hit.enforced_429 = true;
      http::Response r =
          http::Response::json(429, json{{"message", "You are being rate limited."},
                                         {"retry_after", std::stod(seconds(reset_after))},
                                         {"global", false}}
                                        .dump());
      rate_headers(r, 0);
      r.set_header("Retry-After", std::to_string(static_cast<long>(std::ceil(reset_after))));
      r.set_header("X-RateLimit-Scope", "shared");
      return r;
    }
    ++w.used;
    const int remaining = options_.rate_limit - w.used;

    http::Response res = [&]() -> http::Response {
      if (req.header("content-type").rfind("application/json", 0) != 0)
        return error(400, 50006, "Cannot send an empty message");
      json body = json::parse(req.body, nullptr, false);
      if (body.is_discarded()) return error(400, 50109, "The request body contains invalid JSON.");
      const json errors = validate(body);
      if (!errors.empty()) return error(400, 50035, "Invalid Form Body", errors);
      if (is_empty_message(body)) return error(400, 50006, "Cannot send an empty message");
      received_.push_back(body);
      if (req.query_param("wait").value_or("false") != "true") {
        http::Response r;
        r.status = 204;
        r.content_type.clear();
        return r;
      }
      json message = {{"id", std::to_string(1000000000000000000ULL + received_.size())},
                      {"type", 0},
                      {"webhook_id", id},
                      {"channel_id", "998877665544332211"},
                      {"content", body.value("content", "")},
                      {"embeds", body.value("embeds", json::array())}};
      return http::Response::json(200, message.dump());
    }();
    rate_headers(res, remaining);
    return res;
  }

  Options options_;
  mutable std::mutex mutex_;
  std::map<std::string, std::string> tokens_;
  std::map<std::string, Window> windows_;
  std::deque<Scripted> faults_;
  std::vector<json> received_;
  std::vector<Hit> hits_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace churnwatch::alerts::testing
