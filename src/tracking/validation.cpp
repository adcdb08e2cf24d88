#include "tracking/validation.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <tuple>

#include "core/errors.hpp"

namespace churnwatch::tracking {

std::string_view to_string(RunStatus status) {
  switch (status) {
    case RunStatus::kRunning: return "RUNNING";
    case RunStatus::kScheduled: return "SCHEDULED";
    case RunStatus::kFinished: return "FINISHED";
    case RunStatus::kFailed: return "FAILED";
    case RunStatus::kKilled: return "KILLED";
  }
  return "RUNNING";
}

RunStatus run_status_from_string(std::string_view text) {
  for (auto s : {RunStatus::kRunning, RunStatus::kScheduled, RunStatus::kFinished,
                 RunStatus::kFailed, RunStatus::kKilled})
    if (to_string(s) == text) return s;
  throw core::Invalid("unknown run status '" + std::string(text) + "'",
                      {{"status", "must be RUNNING, SCHEDULED, FINISHED, FAILED or KILLED"}});
}

namespace {

bool allowed_key_char(unsigned char c) {
  return std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == ' ' || c == '/';
}

// MLflow's path_not_unique: the key must equal its POSIX-normalised form and
// must not climb out of its folder.
bool resolves_elsewhere(const std::string& key) {
  if (key.front() == '/' || key.back() == '/' || key.starts_with("..")) return true;
  std::size_t start = 0;
  while (start <= key.size()) {
    std::size_t end = key.find('/', start);
    if (end == std::string::npos) end = key.size();
    std::string_view part(key.data() + start, end - start);
    if (part.empty() || part == "." || part == "..") return true;
    start = end + 1;
  }
  return false;
}

void invalid(std::string_view what, const std::string& key, std::string message) {
  std::string detail = "invalid " + std::string(what) + " '" + key + "': " + message;
  throw core::Invalid(std::move(detail), {{std::string(what) + "." + key, std::move(message)}});
}

}  // namespace

void validate_key(std::string_view what, const std::string& key) {
  if (key.empty()) invalid(what, key, "a name is required");
  if (key.size() > kMaxKeyLength)
    invalid(what, key.substr(0, 40) + "...",
            "names are at most " + std::to_string(kMaxKeyLength) + " characters");
  for (unsigned char c : key)
    if (!allowed_key_char(c))
      invalid(what, key,
              "names may only contain letters, digits, underscores (_), dashes (-), periods (.), "
              "spaces ( ) and slashes (/)");
  if (resolves_elsewhere(key))
    invalid(what, key,
            "names are stored as file paths and must not resolve to another name "
            "(no leading, trailing or doubled '/', no '.' or '..' parts)");
}

void validate_params(const Params& params) {
  for (const auto& [key, value] : params) {
    validate_key("param", key);
    if (value.size() > kMaxParamValueLength)
      invalid("param", key,
              "value has " + std::to_string(value.size()) + " characters; MLflow stores at most " +
                  std::to_string(kMaxParamValueLength));
  }
}

void validate_tags(const Tags& tags) {
  for (const auto& [key, value] : tags) {
    validate_key("tag", key);
    if (value.size() > kMaxTagValueLength)
      invalid("tag", key,
              "value has " + std::to_string(value.size()) + " characters; MLflow stores at most " +
                  std::to_string(kMaxTagValueLength));
  }
}

void validate_metrics(const std::vector<Metric>& metrics) {
  for (const auto& m : metrics) {
    validate_key("metric", m.key);
    if (m.timestamp_ms < 0) invalid("metric", m.key, "timestamp must not be negative");
  }
}

void validate_artifact_path(const std::string& artifact_path) {
  if (artifact_path.empty()) return;
  if (artifact_path.front() == '/' || artifact_path.find('\\') != std::string::npos)
    throw core::Invalid("artifact path must be relative: '" + artifact_path + "'",
                        {{"artifact_path", "must be a relative folder"}});
  std::size_t start = 0;
  while (start <= artifact_path.size()) {
    std::size_t end = artifact_path.find('/', start);
    if (end == std::string::npos) end = artifact_path.size();
    std::string_view part(artifact_path.data() + start, end - start);
    if (part == "..")
      throw core::Invalid("artifact path must stay inside the run: '" + artifact_path + "'",
                          {{"artifact_path", "must not contain '..'"}});
    start = end + 1;
  }
}

bool is_run_id(std::string_view run_id) {
  if (run_id.size() != 32) return false;
  for (char c : run_id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::vector<Metric> stamped(std::vector<Metric> metrics, std::int64_t now) {
  for (auto& m : metrics)
    if (m.timestamp_ms == 0) m.timestamp_ms = now;
  return metrics;
}

bool is_later(const Metric& a, const Metric& b) {
  return std::tie(a.step, a.timestamp_ms, a.value) > std::tie(b.step, b.timestamp_ms, b.value);
}

std::string current_user() {
  for (const char* var : {"LOGNAME", "USER", "LNAME", "USERNAME"})
    if (const char* v = std::getenv(var); v && *v) return v;
  if (const passwd* pw = getpwuid(getuid()); pw && pw->pw_name) return pw->pw_name;
  return "unknown";
}

}  // namespace churnwatch::tracking
