#include "tracking/file_tracker.hpp"

#include <algorithm>
#include <charconv>

#include "core/errors.hpp"
#include "core/random.hpp"
#include "tracking/file_io.hpp"
#include "tracking/mlflow_text.hpp"
#include "tracking/validation.hpp"

namespace churnwatch::tracking {
namespace fs = std::filesystem;
namespace {

constexpr const char* kDefaultExperimentId = "0";
constexpr const char* kDefaultExperimentName = "Default";
constexpr const char* kMeta = "meta.yaml";
constexpr const char* kRunNameTag = "mlflow.runName";
constexpr const char* kUserTag = "mlflow.user";
constexpr std::int64_t kSourceTypeLocal = 4;  // MLflow's SourceType.LOCAL

bool is_numeric_id(std::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// MLflow's file store gives experiments random positive 63-bit integer ids.
std::string random_experiment_id() {
  std::uint64_t v = 0;
  std::string hex = core::random_hex(8);
  std::from_chars(hex.data(), hex.data() + hex.size(), v, 16);
  return std::to_string(v & 0x7fffffffffffffffULL);
}

std::int64_t to_int(const std::string& text, const std::string& field) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size())
    throw core::Invalid("malformed " + field + " '" + text + "' in run metadata",
                        {{field, "must be an integer"}});
  return v;
}

bool is_temp_file(const fs::path& p) {
  auto name = p.filename().string();
  return name.starts_with(".") && name.find(".tmp-") != std::string::npos;
}

// Files under `folder`, keyed by their path relative to it ("a/b" for key "a/b").
std::map<std::string, fs::path> key_files(const fs::path& folder) {
  std::map<std::string, fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return out;
  for (const auto& e : fs::recursive_directory_iterator(folder, ec)) {
    if (!e.is_regular_file() || is_temp_file(e.path())) continue;
    out.emplace(fs::relative(e.path(), folder).generic_string(), e.path());
  }
  return out;
}

Metric parse_metric_line(const std::string& key, std::string_view line) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start < line.size()) {
    auto end = line.find(' ', start);
    if (end == std::string_view::npos) end = line.size();
    if (end > start) parts.emplace_back(line.substr(start, end - start));
    start = end + 1;
  }
  if (parts.size() != 2 && parts.size() != 3)
    throw core::Invalid("metric '" + key + "' has a malformed line",
                        {{"metrics." + key, "expected '<timestamp> <value> <step>'"}});
  return Metric{key, parse_python_float(parts[1]),
                parts.size() == 3 ? to_int(parts[2], "step") : 0, to_int(parts[0], "timestamp")};
}

}  // namespace

FileTracker::FileTracker(fs::path root) : root_(fs::absolute(std::move(root)).lexically_normal()) {
  std::error_code ec;
  fs::create_directories(root_ / ".trash", ec);
  if (ec)
    throw core::Unavailable("cannot create the tracking folder " + root_.string() + ": " +
                            ec.message());
  if (!fs::exists(root_ / kDefaultExperimentId) && !fs::exists(root_ / ".trash" / kDefaultExperimentId))
    create_experiment(kDefaultExperimentId, kDefaultExperimentName);
}

std::string FileTracker::location() const { return file_uri(root_); }

void FileTracker::create_experiment(const std::string& id, const std::string& name) {
  std::int64_t now = now_ms();
  YamlMap meta{{"artifact_location", file_uri(root_ / id)},
               {"creation_time", now},
               {"experiment_id", id},
               {"last_update_time", now},
               {"lifecycle_stage", std::string("active")},
               {"name", name}};
  fs::create_directories(root_ / id);
  create_file_once(root_ / id / kMeta, write_yaml(meta));
}

std::string FileTracker::experiment_id_for(const std::string& name, bool create) {
  if (name.empty()) return kDefaultExperimentId;
  auto find = [&]() -> std::string {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root_, ec)) {
      auto id = e.path().filename().string();
      if (!e.is_directory() || !is_numeric_id(id)) continue;
      auto text = read_file(e.path() / kMeta);
      if (!text) continue;  // being created, or not an experiment
      try {
        auto meta = read_yaml(*text);
        if (meta["name"] == name && meta["lifecycle_stage"] != "deleted") return id;
      } catch (const core::Invalid&) {
        continue;  // malformed: MLflow skips it too
      }
    }
    return {};
  };
  if (auto id = find(); !id.empty() || !create) return id;
  FileLock lock(root_ / ".lock");
  if (auto id = find(); !id.empty()) return id;
  for (;;) {
    std::string id = random_experiment_id();
    if (fs::exists(root_ / id) || fs::exists(root_ / ".trash" / id)) continue;
    create_experiment(id, name);
    return id;
  }
}

fs::path FileTracker::run_dir(const RunHandle& run) const {
  if (!is_run_id(run.run_id) || !is_numeric_id(run.experiment_id))
    throw core::NotFound("no run '" + run.run_id + "' in experiment '" + run.experiment_id + "'");
  fs::path dir = root_ / run.experiment_id / run.run_id;
  if (!fs::exists(dir / kMeta))
    throw core::NotFound("no run '" + run.run_id + "' in experiment '" + run.experiment_id + "'");
  return dir;
}

void FileTracker::write_run_meta(const fs::path& dir, const RunInfo& info) {
  YamlMap meta{{"artifact_uri", info.artifact_uri},
               {"deleted_time", YamlNull{}},
               {"end_time", info.end_time ? YamlValue(*info.end_time) : YamlValue(YamlNull{})},
               {"entry_point_name", std::string()},
               {"experiment_id", info.experiment_id},
               {"lifecycle_stage", std::string("active")},
               {"run_id", info.run_id},
               {"run_name", info.name},
               {"run_uuid", info.run_id},
               {"source_name", std::string()},
               {"source_type", kSourceTypeLocal},
               {"source_version", std::string()},
               {"start_time", info.start_time},
               {"status", static_cast<std::int64_t>(info.status)},
               {"tags", YamlEmptyList{}},
               {"user_id", info.user_id}};
  write_file_atomic(dir / kMeta, write_yaml(meta));
}

RunHandle FileTracker::start_run(const std::string& experiment_name, const std::string& run_name,
                                 const Tags& tags) {
  Tags all = tags;
  if (!run_name.empty()) all[kRunNameTag] = run_name;
  all.try_emplace(kUserTag, current_user());
  validate_tags(all);
  std::string experiment_id = experiment_id_for(experiment_name, true);
  auto exp_meta = read_yaml(read_file(root_ / experiment_id / kMeta).value_or(""));
  std::string artifact_root = exp_meta["artifact_location"];
  if (artifact_root.empty()) artifact_root = file_uri(root_ / experiment_id);

  RunInfo info;
  fs::path dir;
  do {
    info.run_id = core::random_hex(16);
    dir = root_ / experiment_id / info.run_id;
  } while (!fs::create_directory(dir));
  info.experiment_id = experiment_id;
  info.name = all.count(kRunNameTag) ? all[kRunNameTag] : "";
  info.start_time = now_ms();
  info.artifact_uri = artifact_root + "/" + info.run_id + "/artifacts";
  info.user_id = all[kUserTag];
  write_run_meta(dir, info);
  for (const char* sub : {"metrics", "params", "artifacts", "tags"}) fs::create_directories(dir / sub);
  for (const auto& [key, value] : all) write_file_atomic(dir / "tags" / key, value);
  return RunHandle{info.run_id, experiment_id, info.artifact_uri};
}

void FileTracker::log_params(const RunHandle& run, const Params& params) {
  validate_params(params);
  fs::path dir = run_dir(run);
  auto refuse_change = [&](const std::string& key, const std::string& current, const std::string& value) {
    throw core::Invalid("param '" + key + "' was already logged with value '" + current + "' for run " +
                            run.run_id + "; MLflow does not allow changing it to '" + value + "'",
                        {{"param." + key, "already logged with another value"}});
  };
  // Check every key before writing any, so a refused call logs nothing.
  for (const auto& [key, value] : params)
    if (auto current = read_file(dir / "params" / key); current && *current != value)
      refuse_change(key, *current, value);
  for (const auto& [key, value] : params) {
    fs::path file = dir / "params" / key;
    if (create_file_once(file, value)) continue;
    // Another writer got there first (or between our check and now).
    if (auto current = read_file(file).value_or(""); current != value) refuse_change(key, current, value);
  }
}

void FileTracker::log_metrics(const RunHandle& run, const std::vector<Metric>& metrics) {
  validate_metrics(metrics);
  fs::path dir = run_dir(run);
  for (const auto& m : stamped(metrics, now_ms()))
    append_line(dir / "metrics" / m.key, std::to_string(m.timestamp_ms) + " " +
                                             python_float(m.value) + " " + std::to_string(m.step) + "\n");
}

void FileTracker::set_tags(const RunHandle& run, const Tags& tags) {
  validate_tags(tags);
  fs::path dir = run_dir(run);
  for (const auto& [key, value] : tags) write_file_atomic(dir / "tags" / key, value);
  if (auto it = tags.find(kRunNameTag); it != tags.end()) {
    std::lock_guard lock(meta_mutex_);
    RunInfo info = read_run(dir, false);
    info.name = it->second;
    write_run_meta(dir, info);
  }
}

void FileTracker::log_artifact(const RunHandle& run, const fs::path& local_file,
                               const std::string& artifact_path) {
  validate_artifact_path(artifact_path);
  run_dir(run);
  auto artifacts = path_from_file_uri(run.artifact_uri);
  if (!artifacts)
    throw core::Unavailable("the run's artifact location " + run.artifact_uri +
                            " is not a local folder; only file: locations are written by the file store");
  fs::path target = *artifacts;
  if (!artifact_path.empty()) target /= artifact_path;
  copy_file_atomic(local_file, target / local_file.filename());
}

void FileTracker::end_run(const RunHandle& run, RunStatus status) {
  fs::path dir = run_dir(run);
  std::lock_guard lock(meta_mutex_);
  RunInfo info = read_run(dir, false);
  info.status = status;
  info.end_time = now_ms();
  write_run_meta(dir, info);
}

RunInfo FileTracker::read_run(const fs::path& dir, bool with_history) const {
  auto text = read_file(dir / kMeta);
  if (!text) throw core::NotFound("no run metadata in " + dir.string());
  auto meta = read_yaml(*text);
  RunInfo info;
  info.run_id = !meta["run_id"].empty() ? meta["run_id"] : meta["run_uuid"];
  info.experiment_id = meta["experiment_id"];
  info.name = meta["run_name"] == "null" ? "" : meta["run_name"];
  const std::string& status = meta["status"];
  if (is_numeric_id(status)) {
    auto n = to_int(status, "status");
    if (n < 1 || n > 5) throw core::Invalid("malformed run status " + status, {{"status", "1..5"}});
    info.status = static_cast<RunStatus>(n);
  } else {
    info.status = run_status_from_string(status);
  }
  info.start_time = meta["start_time"] == "null" ? 0 : to_int(meta["start_time"], "start_time");
  if (!meta["end_time"].empty() && meta["end_time"] != "null")
    info.end_time = to_int(meta["end_time"], "end_time");
  info.artifact_uri = meta["artifact_uri"];
  info.user_id = meta["user_id"] == "null" ? "" : meta["user_id"];

  for (const auto& [key, file] : key_files(dir / "params")) info.params[key] = read_file(file).value_or("");
  for (const auto& [key, file] : key_files(dir / "tags")) info.tags[key] = read_file(file).value_or("");
  if (info.name.empty())
    if (auto it = info.tags.find(kRunNameTag); it != info.tags.end()) info.name = it->second;
  for (const auto& [key, file] : key_files(dir / "metrics")) {
    std::string content = read_file(file).value_or("");
    std::vector<Metric> history;
    std::size_t start = 0;
    while (start < content.size()) {
      auto end = content.find('\n', start);
      if (end == std::string::npos) end = content.size();
      std::string_view line(content.data() + start, end - start);
      if (!line.empty()) history.push_back(parse_metric_line(key, line));
      start = end + 1;
    }
    if (history.empty()) continue;
    Metric latest = history.front();
    for (const auto& m : history)
      if (is_later(m, latest)) latest = m;
    info.latest_metrics[key] = latest;
    if (with_history) info.metric_history[key] = std::move(history);
  }
  return info;
}

std::vector<RunInfo> FileTracker::list_runs(const std::string& experiment_name, std::size_t limit) {
  std::string experiment_id = experiment_id_for(experiment_name, false);
  if (experiment_id.empty() || limit == 0) return {};
  struct Entry {
    std::int64_t start_time;
    std::string run_id;
    fs::path dir;
  };
  std::vector<Entry> entries;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root_ / experiment_id, ec)) {
    auto name = e.path().filename().string();
    if (!e.is_directory() || !is_run_id(name)) continue;
    auto text = read_file(e.path() / kMeta);
    if (!text) continue;  // a run being created
    try {
      auto meta = read_yaml(*text);
      if (meta["lifecycle_stage"] == "deleted") continue;
      std::int64_t start = meta["start_time"] == "null" ? 0 : to_int(meta["start_time"], "start_time");
      entries.push_back({start, name, e.path()});
    } catch (const core::Invalid&) {
      continue;  // malformed runs are skipped, as MLflow does
    }
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.start_time != b.start_time ? a.start_time > b.start_time : a.run_id < b.run_id;
  });
  if (entries.size() > limit) entries.resize(limit);
  std::vector<RunInfo> out;
  out.reserve(entries.size());
  for (const auto& e : entries) out.push_back(read_run(e.dir, false));
  return out;
}

RunInfo FileTracker::get_run(const std::string& run_id) {
  if (!is_run_id(run_id)) throw core::NotFound("no run '" + run_id + "'");
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root_, ec)) {
    if (!e.is_directory() || !is_numeric_id(e.path().filename().string())) continue;
    if (fs::exists(e.path() / run_id / kMeta)) return read_run(e.path() / run_id, true);
  }
  throw core::NotFound("no run '" + run_id + "'");
}

std::vector<ArtifactFile> FileTracker::list_artifacts(const std::string& run_id) {
  const RunInfo info = get_run(run_id);
  std::vector<ArtifactFile> out;
  const fs::path root = root_ / info.experiment_id / run_id / "artifacts";
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::error_code size_ec;
    const auto size = fs::file_size(it->path(), size_ec);
    out.push_back({fs::relative(it->path(), root).generic_string(), size_ec ? 0 : static_cast<std::int64_t>(size)});
  }
  std::sort(out.begin(), out.end(), [](const ArtifactFile& a, const ArtifactFile& b) { return a.path < b.path; });
  return out;
}

}  // namespace churnwatch::tracking
