// Helpers shared by the two halves of Monitoring: monitoring.cpp (the run,
// customer rules, job failures) and monitoring_model_rules.cpp (rules about
// the model and its data: degradation and drift). Not a public interface.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/clock.hpp"
#include "services/customers.hpp"

namespace churnwatch::services::monitoring_detail {

// When a rule's cooldown window began, as stored timestamps are written.
inline std::string cooldown_start(std::int64_t seconds) {
  return core::to_iso8601(std::chrono::system_clock::now() -
                          std::chrono::seconds(seconds));
}


// A rule's customer filter as the list API's query parameters.
inline QueryParams filter_params(const nlohmann::json &filter) {
  QueryParams params;
  for (const auto &[key, value] : filter.items())
    params.emplace_back(key, value.is_string() ? value.get<std::string>()
                                               : value.dump());
  return params;
}


} // namespace churnwatch::services::monitoring_detail
