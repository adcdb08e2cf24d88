// URL pieces the server and router need: percent-decoding and query strings.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace churnwatch::http {

// Decodes %XX escapes; with `plus_as_space` also '+' (query strings only).
// Returns nullopt for a malformed escape or an encoded NUL.
std::optional<std::string> percent_decode(std::string_view in, bool plus_as_space = false);

// Splits "a=1&b=x%20y&c" into decoded pairs (a bare name gets ""). Returns
// nullopt when any escape is malformed.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_query(std::string_view q);

// Splits a decoded path into its non-empty segments ("/a//b/" -> a, b).
std::vector<std::string_view> split_path(std::string_view path);

}  // namespace churnwatch::http
