// Converting one attribute value between its text form (a CSV cell, a query
// string) and its typed JSON form (what the store and the model see).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/schema.hpp"

namespace churnwatch::core {

// Parses `text` as a value of `attr`. An empty cell is null (missing).
// Returns nullopt and sets `error` to a message a user understands
// ("expected a number, got 'abc'") when the text does not fit.
std::optional<nlohmann::json> parse_cell(const Attribute& attr, std::string_view text,
                                         std::string& error);

// Checks a JSON value sent through the API against `attr` and returns it in
// canonical form (e.g. integer 1 for a boolean attribute becomes true, a
// numeric string for a number attribute becomes a number). Sets `error` and
// returns nullopt when it does not fit.
std::optional<nlohmann::json> coerce_value(const Attribute& attr, const nlohmann::json& value,
                                           std::string& error);

// The text form of a typed value, such that parse_cell(format_cell(v)) == v.
std::string format_cell(const Attribute& attr, const nlohmann::json& value);

// Shortest text that reads back as the same double.
std::string format_number(double v);

}  // namespace churnwatch::core
