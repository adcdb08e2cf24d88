// The small text formats of MLflow's file store, written as MLflow (Python,
// PyYAML) writes them so that `mlflow ui` and our reader agree byte for byte
// on the common cases: flat YAML mappings with sorted keys, Python's repr of
// floats in metric lines, and file:// URIs as pathlib's as_uri() makes them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace churnwatch::tracking {

// One YAML scalar: a string, an integer, null, or an empty list ("tags: []").
struct YamlNull {};
struct YamlEmptyList {};
using YamlValue = std::variant<std::string, std::int64_t, YamlNull, YamlEmptyList>;
using YamlMap = std::map<std::string, YamlValue>;  // sorted, as PyYAML dumps

// "key: value\n" per entry; strings plain when PyYAML would leave them plain,
// single-quoted when they would read back as another type or contain
// indicators, double-quoted with escapes when they hold control characters.
std::string write_yaml(const YamlMap& map);
// Reads a flat mapping written by write_yaml or by MLflow: plain, quoted and
// folded (continued on indented lines) scalars. Values come back as text
// ("null" for null, "[]" for an empty list). Throws core::Invalid when a line
// is not "key: value".
std::map<std::string, std::string> read_yaml(std::string_view text);

// Python's repr(float): "0.5", "1.0", "1e-05", "1.5e+16", "nan", "inf", "-inf".
std::string python_float(double value);
// Parses what python_float writes (and anything Python's float() reads that
// strtod reads too). Throws core::Invalid when it is not a number.
double parse_python_float(std::string_view text);

// "file:///abs/path" with characters outside [A-Za-z0-9_.~/-] percent-encoded.
std::string file_uri(const std::filesystem::path& absolute_path);
// The local path of a file: URI ("file:///x", "file:/x", "file://localhost/x"),
// or nullopt for any other scheme.
std::optional<std::filesystem::path> path_from_file_uri(std::string_view uri);

}  // namespace churnwatch::tracking
