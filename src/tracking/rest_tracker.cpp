#include "tracking/rest_tracker.hpp"

#include <algorithm>
#include <cmath>

#include "core/errors.hpp"
#include "tracking/file_io.hpp"
#include "tracking/mlflow_text.hpp"
#include "tracking/validation.hpp"

namespace churnwatch::tracking {
namespace {

using nlohmann::json;

constexpr const char* kApi = "/api/2.0/mlflow/";
constexpr const char* kArtifactsApi = "/api/2.0/mlflow-artifacts/artifacts/";
constexpr std::size_t kHistoryPage = 25000;
constexpr std::size_t kSearchPage = 1000;

// int64 fields arrive as numbers, or as strings from protobuf's JSON mapping.
std::int64_t as_int(const json& v) {
  if (v.is_number()) return v.get<std::int64_t>();
  if (v.is_string()) return std::stoll(v.get<std::string>());
  return 0;
}

// Protobuf's JSON mapping spells non-finite doubles as strings.
json metric_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return v;
}

double as_double(const json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) return parse_python_float(v.get<std::string>());
  return 0;
}

json key_values(const std::map<std::string, std::string>& kv) {
  json out = json::array();
  for (const auto& [k, v] : kv) out.push_back({{"key", k}, {"value", v}});
  return out;
}

Metric parse_metric(const json& m) {
  return Metric{m.value("key", ""), as_double(m.value("value", json(0))), as_int(m.value("step", json(0))),
                as_int(m.value("timestamp", json(0)))};
}

RunInfo parse_run(const json& run) {
  const json& info = run.at("info");
  RunInfo out;
  out.run_id = info.value("run_id", info.value("run_uuid", ""));
  out.experiment_id = info.value("experiment_id", "");
  out.name = info.value("run_name", "");
  out.status = run_status_from_string(info.value("status", "RUNNING"));
  out.start_time = as_int(info.value("start_time", json(0)));
  if (info.contains("end_time") && !info["end_time"].is_null()) out.end_time = as_int(info["end_time"]);
  out.artifact_uri = info.value("artifact_uri", "");
  out.user_id = info.value("user_id", "");
  json data = run.value("data", json::object());
  for (const auto& p : data.value("params", json::array())) out.params[p.value("key", "")] = p.value("value", "");
  for (const auto& t : data.value("tags", json::array())) out.tags[t.value("key", "")] = t.value("value", "");
  for (const auto& m : data.value("metrics", json::array())) {
    Metric metric = parse_metric(m);
    out.latest_metrics[metric.key] = metric;
  }
  if (out.name.empty())
    if (auto it = out.tags.find("mlflow.runName"); it != out.tags.end()) out.name = it->second;
  return out;
}

// Splits `items` into requests of at most `limit` and posts each.
template <typename Item, typename Make>
void in_batches(const std::vector<Item>& items, std::size_t limit, Make make) {
  for (std::size_t i = 0; i < items.size(); i += limit)
    make(std::vector<Item>(items.begin() + static_cast<std::ptrdiff_t>(i),
                           items.begin() + static_cast<std::ptrdiff_t>(std::min(items.size(), i + limit))));
}

}  // namespace

RestTracker::RestTracker(RestOptions options) : client_(std::make_unique<RestClient>(std::move(options))) {}

std::string RestTracker::location() const { return client_->base_url(); }

std::string RestTracker::experiment_id_for(const std::string& name, bool create) {
  if (name.empty()) return "0";
  auto lookup = [&]() -> std::string {
    try {
      auto r = client_->get(std::string(kApi) + "experiments/get-by-name", {{"experiment_name", name}});
      return r.at("experiment").at("experiment_id").get<std::string>();
    } catch (const core::NotFound&) {
      return {};
    }
  };
  if (auto id = lookup(); !id.empty() || !create) return id;
  try {
    auto r = client_->post(std::string(kApi) + "experiments/create", {{"name", name}});
    return r.at("experiment_id").get<std::string>();
  } catch (const core::Conflict&) {
    return lookup();  // another client created it meanwhile
  }
}

RunHandle RestTracker::start_run(const std::string& experiment_name, const std::string& run_name,
                                 const Tags& tags) {
  Tags all = tags;
  if (!run_name.empty()) all["mlflow.runName"] = run_name;
  all.try_emplace("mlflow.user", current_user());
  validate_tags(all);
  std::string experiment_id = experiment_id_for(experiment_name, true);
  json body{{"experiment_id", experiment_id},
            {"user_id", all["mlflow.user"]},
            {"start_time", now_ms()},
            {"tags", key_values(all)}};
  if (!run_name.empty()) body["run_name"] = run_name;
  auto r = client_->post(std::string(kApi) + "runs/create", body);
  const json& info = r.at("run").at("info");
  return RunHandle{info.value("run_id", info.value("run_uuid", "")), info.value("experiment_id", experiment_id),
                   info.value("artifact_uri", "")};
}

void RestTracker::log_params(const RunHandle& run, const Params& params) {
  validate_params(params);
  std::vector<std::pair<std::string, std::string>> items(params.begin(), params.end());
  in_batches(items, kMaxParamsTagsPerBatch, [&](const auto& chunk) {
    json list = json::array();
    for (const auto& [k, v] : chunk) list.push_back({{"key", k}, {"value", v}});
    client_->post(std::string(kApi) + "runs/log-batch", {{"run_id", run.run_id}, {"params", list}});
  });
}

void RestTracker::log_metrics(const RunHandle& run, const std::vector<Metric>& metrics) {
  validate_metrics(metrics);
  in_batches(stamped(metrics, now_ms()), kMaxMetricsPerBatch, [&](const auto& chunk) {
    json list = json::array();
    for (const auto& m : chunk)
      list.push_back({{"key", m.key}, {"value", metric_value(m.value)}, {"timestamp", m.timestamp_ms}, {"step", m.step}});
    client_->post(std::string(kApi) + "runs/log-batch", {{"run_id", run.run_id}, {"metrics", list}});
  });
}

void RestTracker::set_tags(const RunHandle& run, const Tags& tags) {
  validate_tags(tags);
  std::vector<std::pair<std::string, std::string>> items(tags.begin(), tags.end());
  in_batches(items, kMaxParamsTagsPerBatch, [&](const auto& chunk) {
    json list = json::array();
    for (const auto& [k, v] : chunk) list.push_back({{"key", k}, {"value", v}});
    client_->post(std::string(kApi) + "runs/log-batch", {{"run_id", run.run_id}, {"tags", list}});
  });
}

void RestTracker::log_artifact(const RunHandle& run, const std::filesystem::path& local_file,
                               const std::string& artifact_path) {
  validate_artifact_path(artifact_path);
  if (!std::filesystem::is_regular_file(local_file))
    throw core::NotFound("no file to log as an artifact at " + local_file.string());
  std::string uri = run.artifact_uri;
  if (uri.starts_with("mlflow-artifacts:")) {
    std::string_view rest = std::string_view(uri).substr(17);
    if (rest.starts_with("//")) {  // mlflow-artifacts://host:port/path: the tracking server itself
      rest.remove_prefix(2);
      auto slash = rest.find('/');
      rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    }
    while (rest.starts_with("/")) rest.remove_prefix(1);
    std::string path(rest);
    if (!artifact_path.empty()) path += "/" + artifact_path;
    path += "/" + local_file.filename().string();
    std::string escaped;
    std::size_t start = 0;
    while (start <= path.size()) {  // escape each segment, keep the slashes
      auto end = path.find('/', start);
      if (end == std::string::npos) end = path.size();
      if (end > start) escaped += (escaped.empty() ? "" : "/") + client_->escape(path.substr(start, end - start));
      start = end + 1;
    }
    client_->put_file(kArtifactsApi + escaped, local_file);
    return;
  }
  if (auto dir = path_from_file_uri(uri)) {
    auto target = artifact_path.empty() ? *dir : *dir / artifact_path;
    copy_file_atomic(local_file, target / local_file.filename());
    return;
  }
  throw core::Unavailable("the run's artifact location " + uri +
                          " is not supported by this client; start the MLflow server with "
                          "artifact serving (mlflow-artifacts:) to upload artifacts through it");
}

void RestTracker::end_run(const RunHandle& run, RunStatus status) {
  client_->post(std::string(kApi) + "runs/update", {{"run_id", run.run_id},
                                                    {"status", std::string(to_string(status))},
                                                    {"end_time", now_ms()}});
}

std::vector<RunInfo> RestTracker::list_runs(const std::string& experiment_name, std::size_t limit) {
  std::string experiment_id = experiment_id_for(experiment_name, false);
  std::vector<RunInfo> out;
  if (experiment_id.empty()) return out;
  std::string token;
  while (out.size() < limit) {
    json body{{"experiment_ids", json::array({experiment_id})},
              {"max_results", std::min(kSearchPage, limit - out.size())},
              {"order_by", json::array({"attributes.start_time DESC"})}};
    if (!token.empty()) body["page_token"] = token;
    auto r = client_->post(std::string(kApi) + "runs/search", body);
    for (const auto& run : r.value("runs", json::array())) out.push_back(parse_run(run));
    token = r.value("next_page_token", "");
    if (token.empty()) break;
  }
  if (out.size() > limit) out.resize(limit);
  return out;
}

RunInfo RestTracker::get_run(const std::string& run_id) {
  auto r = client_->get(std::string(kApi) + "runs/get", {{"run_id", run_id}});
  RunInfo info = parse_run(r.at("run"));
  for (const auto& [key, latest] : info.latest_metrics) {
    auto& history = info.metric_history[key];
    std::string token;
    do {
      Query q{{"run_id", run_id}, {"metric_key", key}, {"max_results", std::to_string(kHistoryPage)}};
      if (!token.empty()) q.emplace_back("page_token", token);
      auto page = client_->get(std::string(kApi) + "metrics/get-history", q);
      for (const auto& m : page.value("metrics", json::array())) history.push_back(parse_metric(m));
      token = page.value("next_page_token", "");
    } while (!token.empty());
  }
  return info;
}

// artifacts/list answers one folder at a time; folders are walked breadth first.
std::vector<ArtifactFile> RestTracker::list_artifacts(const std::string& run_id) {
  std::vector<ArtifactFile> out;
  std::vector<std::string> folders{""};
  while (!folders.empty()) {
    const std::string folder = folders.back();
    folders.pop_back();
    Query q{{"run_id", run_id}};
    if (!folder.empty()) q.emplace_back("path", folder);
    auto r = client_->get(std::string(kApi) + "artifacts/list", q);
    for (const auto& f : r.value("files", json::array())) {
      const std::string path = f.value("path", "");
      if (path.empty()) continue;
      if (f.value("is_dir", false)) {
        folders.push_back(path);
      } else {
        std::int64_t size = 0;
        if (f.contains("file_size")) {
          const auto& s = f["file_size"];
          size = s.is_string() ? std::stoll(s.get<std::string>()) : s.get<std::int64_t>();
        }
        out.push_back({path, size});
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const ArtifactFile& a, const ArtifactFile& b) { return a.path < b.path; });
  return out;
}

}  // namespace churnwatch::tracking
