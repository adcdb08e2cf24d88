// A strict, in-memory stand-in for an MLflow tracking server (REST API 2.0)
// on a loopback port, built on the product's own http::Server. It answers the
// endpoints the RestTracker uses and refuses what MLflow refuses, with
// MLflow's error documents ({"error_code": ..., "message": ...}):
//   - unknown fields, wrong JSON types, missing required fields -> 400 INVALID_PARAMETER_VALUE
//   - invalid key names, param values over 6000 / tag values over 8000 characters
//   - log-batch over 1000 metrics, 100 params, 100 tags or 1000 entities in total
//   - changing a logged param's value -> 400 INVALID_PARAMETER_VALUE
//   - unknown run or experiment -> 404 RESOURCE_DOES_NOT_EXIST
//   - an existing experiment name on create -> 400 RESOURCE_ALREADY_EXISTS
// and, on demand, fails the next requests with 503/429 (retry tests) or
// demands a bearer token (401 otherwise). Every request is recorded.
//
//   MlflowStandin mlflow;                 // listening on 127.0.0.1:<port>
//   RestOptions o; o.base_url = mlflow.url();
//   mlflow.fail_next(2, 503);
#pragma once

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "http/server.hpp"

namespace churnwatch::test_support {

class MlflowStandin {
 public:
  struct Metric {
    std::string key;
    double value;
    std::int64_t timestamp;
    std::int64_t step;
  };
  struct Run {
    std::string run_id, experiment_id, run_name, user_id, status = "RUNNING", artifact_uri;
    std::int64_t start_time = 0;
    std::optional<std::int64_t> end_time;
    std::map<std::string, std::string> params, tags;
    std::vector<Metric> metrics;  // in logging order
  };
  struct Experiment {
    std::string id, name, artifact_location;
  };

  // `artifact_root`: the prefix of run artifact URIs ("mlflow-artifacts:" as a
  // server with artifact serving hands out, or "file:///dir", "s3://bucket").
  explicit MlflowStandin(std::string artifact_root = "mlflow-artifacts:")
      : artifact_root_(std::move(artifact_root)) {
    experiments_["0"] = {"0", "Default", artifact_root_ + "/0"};
    silence_access_log();
    http::ServerOptions options;
    options.port = 0;
    options.threads = 2;
    server_ = std::make_unique<http::Server>(options, routes());
    server_->start();
  }
  ~MlflowStandin() { server_->stop(1); }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  // The next `count` requests get `status` (with Retry-After when >= 0).
  void fail_next(int count, int status, int retry_after = -1) {
    std::lock_guard lock(mutex_);
    fail_count_ = count;
    fail_status_ = status;
    fail_retry_after_ = retry_after;
  }
  // Requests without "Authorization: <value>" get 401.
  void require_authorization(std::string value) {
    std::lock_guard lock(mutex_);
    required_auth_ = std::move(value);
  }
  // get-history answers at most this many values per page.
  void set_history_page_size(std::size_t n) {
    std::lock_guard lock(mutex_);
    history_page_ = n;
  }

  // "POST /api/2.0/mlflow/runs/log-batch" per request received, in order.
  std::vector<std::string> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::size_t count(const std::string& method_and_path) const {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(std::count(requests_.begin(), requests_.end(), method_and_path));
  }
  // The JSON bodies of every accepted log-batch request.
  std::vector<nlohmann::json> batches() const {
    std::lock_guard lock(mutex_);
    return batches_;
  }
  std::optional<Run> run(const std::string& id) const {
    std::lock_guard lock(mutex_);
    auto it = runs_.find(id);
    return it == runs_.end() ? std::nullopt : std::optional<Run>(it->second);
  }
  std::vector<Experiment> experiments() const {
    std::lock_guard lock(mutex_);
    std::vector<Experiment> out;
    for (const auto& [id, e] : experiments_) out.push_back(e);
    return out;
  }
  // Uploaded artifacts by path below /api/2.0/mlflow-artifacts/artifacts/.
  std::map<std::string, std::string> artifacts() const {
    std::lock_guard lock(mutex_);
    return artifacts_;
  }

 private:
  using json = nlohmann::json;

  struct Refusal {
    int status;
    std::string code, message;
  };
  [[noreturn]] static void refuse(std::string message, std::string code = "INVALID_PARAMETER_VALUE",
                                  int status = 400) {
    throw Refusal{status, std::move(code), std::move(message)};
  }

  // The request's JSON body, checked against the message's fields: `fields`
  // maps a name to its type ("string", "int64", "double", "array", "int32").
  static json parse_body(const http::Request& req, const std::map<std::string, std::string>& fields) {
    json body = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) refuse("Malformed JSON body: " + req.body.substr(0, 100));
    for (const auto& [name, value] : body.items()) {
      auto it = fields.find(name);
      if (it == fields.end()) refuse("Invalid field '" + name + "': no such field in the request message");
      check_type(name, value, it->second);
    }
    return body;
  }

  static void check_type(const std::string& name, const json& v, const std::string& type) {
    bool ok = false;
    if (type == "string") ok = v.is_string();
    if (type == "array") ok = v.is_array();
    if (type == "int64" || type == "int32")
      ok = v.is_number_integer() || (v.is_string() && std::regex_match(v.get<std::string>(), std::regex("-?[0-9]+")));
    if (type == "double")
      ok = v.is_number() || (v.is_string() && (v == "NaN" || v == "Infinity" || v == "-Infinity"));
    if (!ok) refuse("Invalid value " + v.dump() + " for field '" + name + "': expected " + type);
  }

  static std::string required_string(const json& body, const std::string& name) {
    if (!body.contains(name) || body[name].get<std::string>().empty())
      refuse("Missing value for required parameter '" + name + "'.");
    return body[name].get<std::string>();
  }

  static std::int64_t int_of(const json& v) {
    return v.is_string() ? std::stoll(v.get<std::string>()) : v.get<std::int64_t>();
  }
  static double double_of(const json& v) {
    if (v.is_string()) return v == "NaN" ? NAN : v == "Infinity" ? INFINITY : -INFINITY;
    return v.get<double>();
  }
  static json double_json(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
    return v;
  }

  static void check_key(const std::string& what, const std::string& key) {
    static const std::regex kName("^[/\\w.\\- ]*$");
    if (key.empty()) refuse("Missing value for required parameter 'key'.");
    if (key.size() > 250) refuse(what + " name '" + key + "' exceeds the maximum length of 250");
    if (!std::regex_match(key, kName))
      refuse("Invalid " + what + " name: '" + key + "'. Names may only contain alphanumerics, underscores (_), "
             "dashes (-), periods (.), spaces ( ), and slashes (/).");
    bool bad = key.front() == '/' || key.back() == '/' || key.starts_with("..") ||
               key.find("//") != std::string::npos || key.find("/./") != std::string::npos ||
               key.find("/../") != std::string::npos || key.starts_with("./") || key.ends_with("/.") ||
               key.ends_with("/..") || key == ".";
    if (bad) refuse("Invalid " + what + " name: '" + key + "'. Names may be treated as files in certain cases.");
  }

  // {key, value} objects with string fields only.
  static std::vector<std::pair<std::string, std::string>> key_values(const json& list, const std::string& what,
                                                                     std::size_t max_value) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& item : list) {
      if (!item.is_object()) refuse("Invalid " + what + ": expected an object, got " + item.dump());
      for (const auto& [k, v] : item.items()) {
        if (k != "key" && k != "value") refuse("Invalid field '" + k + "' in " + what);
        check_type(what + "." + k, v, "string");
      }
      std::string key = item.value("key", "");
      check_key(what, key);
      if (!item.contains("value")) refuse("Missing value for required parameter 'value' of " + what + " '" + key + "'.");
      std::string value = item["value"];
      if (value.size() > max_value)
        refuse(what + " value '" + value.substr(0, 20) + "...' had length " + std::to_string(value.size()) +
               ", which exceeded length limit of " + std::to_string(max_value));
      out.emplace_back(key, value);
    }
    return out;
  }

  Run& find_run(const std::string& id) {
    auto it = runs_.find(id);
    if (it == runs_.end()) refuse("Run with id=" + id + " not found", "RESOURCE_DOES_NOT_EXIST", 404);
    return it->second;
  }

  json run_json(const Run& r, bool all_metrics_latest = true) const {
    json info{{"run_id", r.run_id},         {"run_uuid", r.run_id},       {"run_name", r.run_name},
              {"experiment_id", r.experiment_id}, {"user_id", r.user_id}, {"status", r.status},
              {"start_time", r.start_time}, {"artifact_uri", r.artifact_uri}, {"lifecycle_stage", "active"}};
    if (r.end_time) info["end_time"] = *r.end_time;
    json metrics = json::array(), params = json::array(), tags = json::array();
    std::map<std::string, Metric> latest;
    for (const auto& m : r.metrics) {
      auto it = latest.find(m.key);
      if (it == latest.end() || std::tie(m.step, m.timestamp, m.value) >
                                    std::tie(it->second.step, it->second.timestamp, it->second.value))
        latest[m.key] = m;
    }
    if (all_metrics_latest)
      for (const auto& [k, m] : latest)
        metrics.push_back({{"key", k}, {"value", double_json(m.value)}, {"timestamp", m.timestamp}, {"step", m.step}});
    for (const auto& [k, v] : r.params) params.push_back({{"key", k}, {"value", v}});
    for (const auto& [k, v] : r.tags) tags.push_back({{"key", k}, {"value", v}});
    return {{"info", info}, {"data", {{"metrics", metrics}, {"params", params}, {"tags", tags}}}};
  }

  void log_params(Run& r, const std::vector<std::pair<std::string, std::string>>& params) {
    std::map<std::string, std::string> seen;
    for (const auto& [k, v] : params) {
      if (auto it = seen.find(k); it != seen.end() && it->second != v)
        refuse("Duplicate parameter keys have been submitted: ['" + k + "']");
      seen[k] = v;
      if (auto it = r.params.find(k); it != r.params.end() && it->second != v)
        refuse("Changing param values is not allowed. Param with key='" + k + "' was already logged with value='" +
               it->second + "' for run ID='" + r.run_id + "'. Attempted logging new value '" + v + "'.");
    }
    for (const auto& [k, v] : params) r.params[k] = v;
  }

  static Metric parse_metric(const json& m) {
    if (!m.is_object()) refuse("Invalid metric: expected an object");
    static const std::map<std::string, std::string> kFields{
        {"key", "string"}, {"value", "double"}, {"timestamp", "int64"}, {"step", "int64"}};
    for (const auto& [k, v] : m.items()) {
      auto it = kFields.find(k);
      if (it == kFields.end()) refuse("Invalid field '" + k + "' in metric");
      check_type("metric." + k, v, it->second);
    }
    std::string key = m.value("key", "");
    check_key("metric", key);
    if (!m.contains("value")) refuse("Missing value for required parameter 'value' of metric '" + key + "'.");
    if (!m.contains("timestamp")) refuse("Missing value for required parameter 'timestamp' of metric '" + key + "'.");
    return Metric{key, double_of(m["value"]), int_of(m["timestamp"]), m.contains("step") ? int_of(m["step"]) : 0};
  }

  using Handler = std::function<json(http::Request&)>;

  // Wraps a handler: records the request, applies injected failures and the
  // auth requirement, turns refusals into MLflow's error documents.
  http::Handler wrap(Handler h) {
    return [this, h](http::Request& req) {
      std::lock_guard lock(mutex_);
      requests_.push_back(req.method + " " + req.path);
      auto error = [](int status, const std::string& code, const std::string& message) {
        return http::Response::json(status, json{{"error_code", code}, {"message", message}}.dump());
      };
      if (fail_count_ > 0) {
        --fail_count_;
        auto res = error(fail_status_, fail_status_ == 429 ? "REQUEST_LIMIT_EXCEEDED" : "TEMPORARILY_UNAVAILABLE",
                         "injected failure " + std::to_string(fail_status_));
        if (fail_retry_after_ >= 0) res.set_header("Retry-After", std::to_string(fail_retry_after_));
        return res;
      }
      if (!required_auth_.empty() && std::string(req.header("authorization")) != required_auth_)
        return error(401, "UNAUTHENTICATED", "You are not authenticated. Please provide valid credentials.");
      try {
        return http::Response::json(200, h(req).dump());
      } catch (const Refusal& r) {
        return error(r.status, r.code, r.message);
      }
    };
  }

  std::string query(const http::Request& req, const std::string& name, bool required = true) const {
    auto v = req.query_param(name);
    if (!v && required) refuse("Missing value for required parameter '" + name + "'.");
    return v.value_or("");
  }

  http::Router routes() {
    http::Router r;
    const std::string api = "/api/2.0/mlflow/";
    r.add("GET", api + "experiments/get-by-name", wrap([this](http::Request& req) -> json {
      std::string name = query(req, "experiment_name");
      for (const auto& [id, e] : experiments_)
        if (e.name == name)
          return {{"experiment",
                   {{"experiment_id", id}, {"name", name}, {"artifact_location", e.artifact_location},
                    {"lifecycle_stage", "active"}}}};
      refuse("Could not find experiment with name '" + name + "'", "RESOURCE_DOES_NOT_EXIST", 404);
    }));
    r.add("POST", api + "experiments/create", wrap([this](http::Request& req) -> json {
      json body = parse_body(req, {{"name", "string"}, {"artifact_location", "string"}, {"tags", "array"}});
      std::string name = required_string(body, "name");
      for (const auto& [id, e] : experiments_)
        if (e.name == name) refuse("Experiment '" + name + "' already exists.", "RESOURCE_ALREADY_EXISTS");
      std::string id = std::to_string(next_experiment_++);
      experiments_[id] = {id, name, artifact_root_ + "/" + id};
      return {{"experiment_id", id}};
    }));
    r.add("POST", api + "runs/create", wrap([this](http::Request& req) -> json {
      json body = parse_body(req, {{"experiment_id", "string"}, {"user_id", "string"}, {"run_name", "string"},
                                   {"start_time", "int64"}, {"tags", "array"}});
      std::string exp = body.value("experiment_id", "0");
      auto e = experiments_.find(exp);
      if (e == experiments_.end())
        refuse("Could not find experiment with ID " + exp, "RESOURCE_DOES_NOT_EXIST", 404);
      auto tags = key_values(body.value("tags", json::array()), "tag", 8000);
      Run run;
      char id[33];
      std::snprintf(id, sizeof id, "%032llx", static_cast<unsigned long long>(++next_run_ * 7919));
      run.run_id = id;
      run.experiment_id = exp;
      run.user_id = body.value("user_id", "");
      run.run_name = body.value("run_name", "");
      run.start_time = body.contains("start_time") ? int_of(body["start_time"]) : 0;
      run.artifact_uri = e->second.artifact_location + "/" + run.run_id + "/artifacts";
      for (const auto& [k, v] : tags) run.tags[k] = v;
      if (run.run_name.empty() && run.tags.count("mlflow.runName")) run.run_name = run.tags["mlflow.runName"];
      if (!run.run_name.empty() && run.tags.count("mlflow.runName") && run.tags["mlflow.runName"] != run.run_name)
        refuse("Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values");
      run.tags["mlflow.runName"] = run.run_name;
      runs_[run.run_id] = run;
      return {{"run", run_json(run)}};
    }));
    r.add("POST", api + "runs/update", wrap([this](http::Request& req) -> json {
      json body = parse_body(req, {{"run_id", "string"}, {"run_uuid", "string"}, {"status", "string"},
                                   {"end_time", "int64"}, {"run_name", "string"}});
      std::string id = body.contains("run_id") ? required_string(body, "run_id") : required_string(body, "run_uuid");
      Run& run = find_run(id);
      if (body.contains("status")) {
        static const std::vector<std::string> kStatuses{"RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"};
        if (std::find(kStatuses.begin(), kStatuses.end(), body["status"]) == kStatuses.end())
          refuse("Invalid value " + body["status"].dump() + " for enum RunStatus");
        run.status = body["status"];
      }
      if (body.contains("end_time")) run.end_time = int_of(body["end_time"]);
      return {{"run_info", run_json(run)["info"]}};
    }));
    r.add("POST", api + "runs/log-batch", wrap([this](http::Request& req) -> json {
      json body = parse_body(req, {{"run_id", "string"}, {"metrics", "array"}, {"params", "array"}, {"tags", "array"}});
      std::string id = required_string(body, "run_id");
      auto metrics = body.value("metrics", json::array());
      auto params = body.value("params", json::array());
      auto tags = body.value("tags", json::array());
      if (metrics.size() > 1000)
        refuse("A batch logging request can contain at most 1000 metrics. Got " + std::to_string(metrics.size()) +
               " metrics. Please split up metrics across multiple requests and try again.");
      if (params.size() > 100)
        refuse("A batch logging request can contain at most 100 params. Got " + std::to_string(params.size()) +
               " params. Please split up params across multiple requests and try again.");
      if (tags.size() > 100)
        refuse("A batch logging request can contain at most 100 tags. Got " + std::to_string(tags.size()) +
               " tags. Please split up tags across multiple requests and try again.");
      if (metrics.size() + params.size() + tags.size() > 1000)
        refuse("A batch logging request can contain at most 1000 metrics, params, and tags in total.");
      std::vector<Metric> parsed;
      for (const auto& m : metrics) parsed.push_back(parse_metric(m));
      auto p = key_values(params, "param", 6000);
      auto t = key_values(tags, "tag", 8000);
      Run& run = find_run(id);
      log_params(run, p);
      for (auto& m : parsed) run.metrics.push_back(m);
      for (const auto& [k, v] : t) {
        run.tags[k] = v;
        if (k == "mlflow.runName") run.run_name = v;
      }
      batches_.push_back(body);
      return json::object();
    }));
    r.add("POST", api + "runs/log-metric", wrap([this](http::Request& req) -> json {
      json body = parse_body(req, {{"run_id", "string"}, {"run_uuid", "string"}, {"key", "string"},
                                   {"value", "double"}, {"timestamp", "int64"}, {"step", "int64"}});
      std::string id = required_string(body, "run_id");
      body.erase("run_id");
      body.erase("run_uuid");
      Metric m = parse_metric(body);
      find_run(id).metrics.push_back(m);
      return json::object();
    }));
    r.add("POST", api + "runs/log-parameter", wrap([this](http::Request& req) -> json {
      json body = parse_body(req, {{"run_id", "string"}, {"run_uuid", "string"}, {"key", "string"}, {"value", "string"}});
      std::string id = required_string(body, "run_id");
      auto p = key_values(json::array({{{"key", body.value("key", "")}, {"value", body.value("value", "")}}}), "param", 6000);
      log_params(find_run(id), p);
      return json::object();
    }));
    r.add("POST", api + "runs/set-tag", wrap([this](http::Request& req) -> json {
      json body = parse_body(req, {{"run_id", "string"}, {"run_uuid", "string"}, {"key", "string"}, {"value", "string"}});
      std::string id = required_string(body, "run_id");
      auto t = key_values(json::array({{{"key", body.value("key", "")}, {"value", body.value("value", "")}}}), "tag", 8000);
      find_run(id).tags[t[0].first] = t[0].second;
      return json::object();
    }));
    r.add("GET", api + "runs/get", wrap([this](http::Request& req) -> json {
      return {{"run", run_json(find_run(query(req, "run_id")))}};
    }));
    r.add("GET", api + "metrics/get-history", wrap([this](http::Request& req) -> json {
      Run& run = find_run(query(req, "run_id"));
      std::string key = query(req, "metric_key");
      std::size_t page = history_page_;
      if (auto max = req.query_param("max_results")) page = std::min<std::size_t>(page, std::stoul(*max));
      std::size_t offset = 0;
      if (auto token = req.query_param("page_token")) offset = std::stoul(*token);
      std::vector<Metric> values;
      for (const auto& m : run.metrics)
        if (m.key == key) values.push_back(m);
      json out = json::array();
      for (std::size_t i = offset; i < values.size() && i < offset + page; ++i)
        out.push_back({{"key", key}, {"value", double_json(values[i].value)}, {"timestamp", values[i].timestamp},
                       {"step", values[i].step}});
      json doc{{"metrics", out}};
      if (offset + page < values.size()) doc["next_page_token"] = std::to_string(offset + page);
      return doc;
    }));
    r.add("POST", api + "runs/search", wrap([this](http::Request& req) -> json {
      json body = parse_body(req, {{"experiment_ids", "array"}, {"filter", "string"}, {"run_view_type", "string"},
                                   {"max_results", "int32"}, {"order_by", "array"}, {"page_token", "string"}});
      std::int64_t max = body.contains("max_results") ? int_of(body["max_results"]) : 1000;
      if (max < 1 || max > 50000) refuse("Invalid value for max_results: " + std::to_string(max));
      std::vector<const Run*> found;
      for (const auto& id : body.value("experiment_ids", json::array()))
        for (const auto& [rid, run] : runs_)
          if (id.is_string() && run.experiment_id == id.get<std::string>()) found.push_back(&run);
      std::sort(found.begin(), found.end(), [](const Run* a, const Run* b) {
        return a->start_time != b->start_time ? a->start_time > b->start_time : a->run_id < b->run_id;
      });
      std::size_t offset = body.contains("page_token") ? std::stoul(body["page_token"].get<std::string>()) : 0;
      json runs = json::array();
      for (std::size_t i = offset; i < found.size() && i < offset + static_cast<std::size_t>(max); ++i)
        runs.push_back(run_json(*found[i]));
      json doc{{"runs", runs}};
      if (offset + static_cast<std::size_t>(max) < found.size())
        doc["next_page_token"] = std::to_string(offset + static_cast<std::size_t>(max));
      return doc;
    }));
    // One folder of a run's artifacts (MLflow lists one level per call; the
    // folder is `path`, relative to the run's artifact root).
    r.add("GET", api + "artifacts/list", wrap([this](http::Request& req) -> json {
      Run& run = find_run(query(req, "run_id"));
      const std::string folder = query(req, "path", false);
      if (folder.find("..") != std::string::npos) refuse("Invalid path");
      const std::string prefix = run.experiment_id + "/" + run.run_id + "/artifacts/" +
                                 (folder.empty() ? "" : folder + "/");
      std::map<std::string, std::pair<bool, std::size_t>> children;  // name -> (is_dir, size)
      for (const auto& [key, body] : artifacts_) {
        if (!key.starts_with(prefix)) continue;
        const std::string rest = key.substr(prefix.size());
        const auto slash = rest.find('/');
        if (slash == std::string::npos) children[rest] = {false, body.size()};
        else children[rest.substr(0, slash)] = {true, 0};
      }
      json files = json::array();
      for (const auto& [name, entry] : children) {
        json f{{"path", folder.empty() ? name : folder + "/" + name}, {"is_dir", entry.first}};
        if (!entry.first) f["file_size"] = static_cast<std::int64_t>(entry.second);
        files.push_back(f);
      }
      return {{"root_uri", run.artifact_uri}, {"files", files}};
    }));
    // mlflow-artifacts uploads: <experiment_id>/<run_id>/artifacts/[folders/]<file>.
    const std::string artifacts = "/api/2.0/mlflow-artifacts/artifacts";
    std::string pattern = artifacts;
    for (int depth = 1; depth <= 10; ++depth) {
      pattern += "/{p" + std::to_string(depth) + "}";
      if (depth < 4) continue;
      r.add("PUT", pattern, wrap([this, artifacts](http::Request& req) -> json {
        artifacts_[req.path.substr(artifacts.size() + 1)] = req.body;
        return json::object();
      }));
    }
    return r;
  }

  // The server logs each request to the "access" logger (the default logger
  // when none is registered); a stand-in's traffic is not worth reading.
  static void silence_access_log() {
    static std::once_flag once;
    std::call_once(once, [] {
      if (!spdlog::get("access"))
        spdlog::register_logger(
            std::make_shared<spdlog::logger>("access", std::make_shared<spdlog::sinks::null_sink_mt>()));
    });
  }

  std::string artifact_root_;
  std::unique_ptr<http::Server> server_;
  mutable std::mutex mutex_;
  std::map<std::string, Experiment> experiments_;
  std::map<std::string, Run> runs_;
  std::map<std::string, std::string> artifacts_;
  std::vector<std::string> requests_;
  std::vector<json> batches_;
  int next_experiment_ = 1;
  unsigned long long next_run_ = 0;
  int fail_count_ = 0, fail_status_ = 503, fail_retry_after_ = -1;
  std::string required_auth_;
  std::size_t history_page_ = 25000;
};

}  // namespace churnwatch::test_support
