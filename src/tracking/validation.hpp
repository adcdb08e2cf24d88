// MLflow's input rules, shared by every Tracker so that all backends refuse
// the same input the same way (core::Invalid naming the offending field).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tracking/tracker.hpp"

namespace churnwatch::tracking {

// `what` names the kind of key in messages ("param", "metric", "tag").
void validate_key(std::string_view what, const std::string& key);
void validate_params(const Params& params);
void validate_tags(const Tags& tags);
void validate_metrics(const std::vector<Metric>& metrics);
// A relative artifact folder ("" or "model/v1"): no "..", no absolute path.
void validate_artifact_path(const std::string& artifact_path);
// 32 lowercase hex characters, as MLflow generates.
bool is_run_id(std::string_view run_id);

// Milliseconds since the Unix epoch.
std::int64_t now_ms();
// Fills timestamp 0 with `now`.
std::vector<Metric> stamped(std::vector<Metric> metrics, std::int64_t now);
// True when `a` is what MLflow shows as the latest value over `b`: the
// greater (step, timestamp, value).
bool is_later(const Metric& a, const Metric& b);
// The user name MLflow records (the login name; "unknown" when none).
std::string current_user();

}  // namespace churnwatch::tracking
