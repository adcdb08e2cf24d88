#include "core/readiness.hpp"

#include <algorithm>
#include <chrono>

namespace churnwatch::core {

void ReadinessChecks::add(const std::string& name, bool required, Check check) {
  std::lock_guard lock(mutex_);
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.name == name; });
  if (it != entries_.end())
    *it = Entry{name, required, std::move(check)};
  else
    entries_.push_back(Entry{name, required, std::move(check)});
}

void ReadinessChecks::remove(const std::string& name) {
  std::lock_guard lock(mutex_);
  std::erase_if(entries_, [&](const Entry& e) { return e.name == name; });
}

ReadinessReport ReadinessChecks::run() const {
  std::vector<Entry> entries;
  {
    std::lock_guard lock(mutex_);
    entries = entries_;  // run without the lock: a slow check must not block add()
  }
  ReadinessReport report;
  for (const auto& entry : entries) {
    CheckResult result{entry.name, entry.required, false, "", 0};
    const auto started = std::chrono::steady_clock::now();
    try {
      result.detail = entry.check();
      result.ok = true;
    } catch (const std::exception& e) {
      result.detail = e.what();
    } catch (...) {
      result.detail = "unknown error";
    }
    result.duration_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    if (!result.ok && result.required) report.ready = false;
    report.checks.push_back(std::move(result));
  }
  return report;
}

}  // namespace churnwatch::core
