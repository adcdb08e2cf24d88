#include "tracking/rest_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/errors.hpp"
#include "core/text.hpp"

namespace churnwatch::tracking {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* out) {
  std::string line(data, size * n);
  if (core::istarts_with(line, "retry-after:")) {
    try {
      *static_cast<int*>(out) = std::stoi(line.substr(12));
    } catch (...) {
      // An HTTP date instead of seconds: fall back to our own backoff.
    }
  }
  return size * n;
}

bool retryable_status(long status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

bool retryable_curl(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      return true;
    default:
      return false;
  }
}

// The server's error document, or the raw body when it sent something else.
std::pair<std::string, std::string> error_of(const std::string& body) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_object() && doc.contains("message"))
    return {doc.value("error_code", ""), doc["message"].is_string() ? doc["message"].get<std::string>()
                                                                    : doc["message"].dump()};
  return {"", body.substr(0, 500)};
}

}  // namespace

RestOptions rest_options_from_env(std::string uri) {
  RestOptions o;
  while (!uri.empty() && uri.back() == '/') uri.pop_back();
  o.base_url = std::move(uri);
  o.token = env("MLFLOW_TRACKING_TOKEN");
  o.username = env("MLFLOW_TRACKING_USERNAME");
  o.password = env("MLFLOW_TRACKING_PASSWORD");
  std::string insecure = env("MLFLOW_TRACKING_INSECURE_TLS");
  o.insecure_tls = insecure == "true" || insecure == "True" || insecure == "1";
  return o;
}

RestClient::RestClient(RestOptions options) : options_(std::move(options)) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  while (!options_.base_url.empty() && options_.base_url.back() == '/') options_.base_url.pop_back();
  options_.max_attempts = std::max(1, options_.max_attempts);
  curl_ = curl_easy_init();
  if (!curl_) throw core::Unavailable("cannot initialise libcurl");
}

RestClient::~RestClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

std::string RestClient::escape(const std::string& text) {
  std::lock_guard lock(mutex_);
  char* e = curl_easy_escape(static_cast<CURL*>(curl_), text.data(), static_cast<int>(text.size()));
  std::string out = e ? e : "";
  curl_free(e);
  return out;
}

nlohmann::json RestClient::get(const std::string& path, const Query& query) {
  std::string url = options_.base_url + path;
  char sep = '?';
  for (const auto& [k, v] : query) {
    url += sep + escape(k) + "=" + escape(v);
    sep = '&';
  }
  return send("GET", url, "", "");
}

nlohmann::json RestClient::post(const std::string& path, const nlohmann::json& body) {
  return send("POST", options_.base_url + path, body.dump(), "application/json");
}

void RestClient::put_file(const std::string& path, const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in || std::filesystem::is_directory(file))
    throw core::NotFound("no file to log as an artifact at " + file.string());
  std::ostringstream s;
  s << in.rdbuf();
  send("PUT", options_.base_url + path, s.str(), "application/octet-stream");
}

RestClient::Reply RestClient::perform_once(const std::string& method, const std::string& url,
                                           const std::string& body, const std::string& content_type,
                                           std::string& network_error) {
  auto* c = static_cast<CURL*>(curl_);
  curl_easy_reset(c);
  Reply reply;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, std::min(10000L, static_cast<long>(options_.timeout.count())));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &reply.retry_after_seconds);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "churnwatch-mlflow-client");
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  if (options_.insecure_tls) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!options_.token.empty()) {
    curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, options_.token.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
  } else if (!options_.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, options_.password.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
  }
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Accept: application/json");
  if (method != "GET") {
    headers = curl_slist_append(headers, ("Content-Type: " + content_type).c_str());
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    network_error = curl_easy_strerror(rc);
    reply.status = retryable_curl(rc) ? -1 : -2;
    return reply;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

nlohmann::json RestClient::send(const std::string& method, const std::string& url,
                                const std::string& body, const std::string& content_type) {
  std::lock_guard lock(mutex_);
  auto where = "MLflow tracking server " + options_.base_url;
  auto backoff = options_.initial_backoff;
  std::string last_problem;
  for (int attempt = 1;; ++attempt) {
    std::string network_error;
    Reply r = perform_once(method, url, body, content_type, network_error);
    bool retry = false;
    if (r.status == -2)
      throw core::Unavailable(where + " cannot be reached: " + network_error);
    if (r.status == -1) {
      last_problem = network_error;
      retry = true;
    } else if (retryable_status(r.status)) {
      auto [code, message] = error_of(r.body);
      last_problem = "HTTP " + std::to_string(r.status) + (code.empty() ? "" : " " + code) +
                     (message.empty() ? "" : ": " + message);
      retry = true;
    }
    if (retry) {
      if (attempt >= options_.max_attempts)
        throw core::Unavailable(where + " failed " + std::to_string(attempt) + " times on " + method +
                                " " + url.substr(options_.base_url.size()) + "; last: " + last_problem);
      auto wait = backoff;
      if (r.retry_after_seconds >= 0) wait = std::chrono::seconds(r.retry_after_seconds);
      std::this_thread::sleep_for(std::min(wait, options_.max_backoff));
      backoff = std::min(backoff * 2, options_.max_backoff);
      continue;
    }
    if (r.status >= 200 && r.status < 300) {
      if (r.body.empty()) return nlohmann::json::object();
      auto doc = nlohmann::json::parse(r.body, nullptr, false);
      if (doc.is_discarded())
        throw core::Unavailable(where + " answered " + method + " " + url + " with a body that is not JSON");
      return doc;
    }
    auto [code, message] = error_of(r.body);
    std::string detail = where + " refused " + method + " " + url.substr(options_.base_url.size()) +
                         " (HTTP " + std::to_string(r.status) + (code.empty() ? "" : " " + code) +
                         "): " + message;
    if (code == "RESOURCE_DOES_NOT_EXIST") throw core::NotFound(detail);
    if (code == "RESOURCE_ALREADY_EXISTS") throw core::Conflict(detail);
    if (code == "INVALID_PARAMETER_VALUE" && r.status == 400) throw core::Invalid(detail, {{"mlflow", message}});
    if (r.status == 401) throw core::Unauthorized(detail);
    if (r.status == 403) throw core::Forbidden(detail);
    throw core::Unavailable(detail);
  }
}

}  // namespace churnwatch::tracking
