// JSON over HTTP(S) to an MLflow tracking server with libcurl: auth as
// MLflow's clients do it, bounded retries with exponential backoff on 429,
// 5xx and network failures, and MLflow's error documents
// ({"error_code": "...", "message": "..."}) turned into typed errors:
//   404 / RESOURCE_DOES_NOT_EXIST   -> core::NotFound
//   400 INVALID_PARAMETER_VALUE     -> core::Invalid
//   RESOURCE_ALREADY_EXISTS         -> core::Conflict
//   401 / 403                       -> core::Unauthorized / core::Forbidden
//   anything else, and retries used up -> core::Unavailable
// Every message names the server and quotes its own message.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace churnwatch::tracking {

struct RestOptions {
  std::string base_url;  // "http://host:5000", "https://mlflow.example.com/prefix"
  std::string token;     // MLFLOW_TRACKING_TOKEN: "Authorization: Bearer <token>"
  std::string username;  // MLFLOW_TRACKING_USERNAME / _PASSWORD: basic auth
  std::string password;
  bool insecure_tls = false;  // MLFLOW_TRACKING_INSECURE_TLS=true: skip certificate checks
  int max_attempts = 5;       // per request, first try included
  std::chrono::milliseconds initial_backoff{500};  // doubles per retry
  std::chrono::milliseconds max_backoff{8000};     // also caps a server's Retry-After
  std::chrono::milliseconds timeout{60000};        // whole request
};

// Options for `uri` from the MLFLOW_TRACKING_* environment variables.
RestOptions rest_options_from_env(std::string uri);

using Query = std::vector<std::pair<std::string, std::string>>;

class RestClient {
 public:
  explicit RestClient(RestOptions options);
  ~RestClient();
  RestClient(const RestClient&) = delete;
  RestClient& operator=(const RestClient&) = delete;

  // GET <base><path>?<query>; the parsed JSON answer.
  nlohmann::json get(const std::string& path, const Query& query = {});
  // POST <base><path> with a JSON body; the parsed JSON answer.
  nlohmann::json post(const std::string& path, const nlohmann::json& body);
  // PUT <base><path> with the bytes of `file` (application/octet-stream).
  void put_file(const std::string& path, const std::filesystem::path& file);

  const std::string& base_url() const { return options_.base_url; }
  // Percent-encodes one URL path segment or query value.
  std::string escape(const std::string& text);

 private:
  struct Reply {
    long status = 0;
    std::string body;
    int retry_after_seconds = -1;
  };
  nlohmann::json send(const std::string& method, const std::string& url, const std::string& body,
                      const std::string& content_type);
  Reply perform_once(const std::string& method, const std::string& url, const std::string& body,
                     const std::string& content_type, std::string& network_error);

  RestOptions options_;
  std::mutex mutex_;  // one curl handle, one request at a time
  void* curl_ = nullptr;
};

}  // namespace churnwatch::tracking
