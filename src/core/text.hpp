// ASCII text helpers shared by every layer, so header names, settings,
// usernames, CSV cells and cron fields are cleaned and compared one way.
// ASCII on purpose: these are protocol tokens and identifiers, where a
// locale's case mapping would be a bug, not a feature.
#pragma once

#include <string>
#include <string_view>

namespace churnwatch::core {

// `s` without leading and trailing whitespace (space, tab, CR, LF, VT, FF).
std::string_view trim(std::string_view s);

// `s` with A-Z mapped to a-z; other bytes unchanged.
std::string ascii_lower(std::string_view s);

// Whether `a` and `b` are equal ignoring ASCII case.
bool iequals(std::string_view a, std::string_view b);

// Whether `s` begins with `prefix`, ignoring ASCII case.
bool istarts_with(std::string_view s, std::string_view prefix);

}  // namespace churnwatch::core
