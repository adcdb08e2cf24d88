#pragma once

#include <chrono>
#include <string>

namespace churnwatch::core {

// Current UTC time as ISO 8601 with milliseconds ("2026-11-28T04:11:12.345Z").
std::string now_iso8601();
std::string to_iso8601(std::chrono::system_clock::time_point t);
// Seconds since the Unix epoch.
std::int64_t now_unix();

}  // namespace churnwatch::core
