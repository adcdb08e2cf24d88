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

// The offset of the first byte of `s` that does not belong to a well-formed
// UTF-8 sequence (RFC 3629: no overlong forms, surrogates or code points
// above U+10FFFF), or npos when all of `s` is UTF-8. Untrusted text is
// checked with this where it enters, so nothing later fails on it.
std::size_t invalid_utf8_at(std::string_view s);

}  // namespace churnwatch::core
