#include "services/training_runs.hpp"

#include <charconv>
#include <cmath>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "services/training_record.hpp"

namespace churnwatch::services {
namespace {

nlohmann::json time_json(std::int64_t ms) {
  return core::to_iso8601(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

// JSON has no NaN or infinity; such metric values show as null.
nlohmann::json value_json(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json summary(const tracking::RunInfo& run) {
  nlohmann::json metrics = nlohmann::json::object();
  for (const auto& [key, m] : run.latest_metrics) metrics[key] = value_json(m.value);
  nlohmann::json model_version = nullptr;
  if (auto it = run.tags.find(kTagModelVersion); it != run.tags.end()) {
    std::int64_t v = 0;
    const auto& text = it->second;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc() && ptr == text.data() + text.size()) model_version = v;
  }
  auto source = run.tags.find(kTagSource);
  return {{"id", run.run_id},
          {"name", run.name},
          {"status", tracking::to_string(run.status)},
          {"start_time", time_json(run.start_time)},
          {"end_time", run.end_time ? time_json(*run.end_time) : nlohmann::json(nullptr)},
          {"source", source == run.tags.end() ? nlohmann::json(nullptr) : nlohmann::json(source->second)},
          {"model_version", model_version},
          {"params", run.params},
          {"metrics", std::move(metrics)},
          {"tags", run.tags}};
}

}  // namespace

tracking::Tracker& TrainingRuns::tracker() {
  if (!tracker_) throw core::Unavailable("experiment tracking is not enabled on this server");
  return *tracker_;
}

nlohmann::json TrainingRuns::list(std::int64_t limit, std::int64_t offset) {
  const auto runs = tracker().list_runs(kTrainingExperiment, static_cast<std::size_t>(offset + limit + 1));
  auto items = nlohmann::json::array();
  for (std::size_t i = static_cast<std::size_t>(offset);
       i < runs.size() && items.size() < static_cast<std::size_t>(limit); ++i)
    items.push_back(summary(runs[i]));
  return {{"items", std::move(items)},
          {"limit", limit},
          {"offset", offset},
          {"has_more", runs.size() > static_cast<std::size_t>(offset + limit)}};
}

nlohmann::json TrainingRuns::get(const std::string& run_id) {
  const auto run = tracker().get_run(run_id);
  auto j = summary(run);
  nlohmann::json history = nlohmann::json::object();
  for (const auto& [key, values] : run.metric_history) {
    auto points = nlohmann::json::array();
    for (const auto& m : values)
      points.push_back(
          {{"step", m.step}, {"value", value_json(m.value)}, {"timestamp", time_json(m.timestamp_ms)}});
    history[key] = std::move(points);
  }
  auto artifacts = nlohmann::json::array();
  for (const auto& f : tracker().list_artifacts(run_id))
    artifacts.push_back({{"path", f.path}, {"size", f.size}});
  j["metric_history"] = std::move(history);
  j["artifacts"] = std::move(artifacts);
  j["artifact_uri"] = run.artifact_uri;
  return j;
}

}  // namespace churnwatch::services
