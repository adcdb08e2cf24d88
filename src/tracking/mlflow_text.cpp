#include "tracking/mlflow_text.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <regex>

#include "core/errors.hpp"

namespace churnwatch::tracking {
namespace {

// PyYAML's implicit resolvers (YAML 1.1): a plain scalar matching one of
// these would read back as a bool, int, float, null or timestamp.
bool resolves_to_non_string(const std::string& s) {
  static const std::regex kBool("yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|"
                                "off|Off|OFF");
  static const std::regex kNull("~|null|Null|NULL");
  static const std::regex kInt(
      "[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|"
      "[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+");
  static const std::regex kFloat(
      "[-+]?([0-9][0-9_]*)?\\.[0-9_]*([eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*|"
      "[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");
  static const std::regex kTimestamp("[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?.*");
  return std::regex_match(s, kBool) || std::regex_match(s, kNull) || std::regex_match(s, kInt) ||
         std::regex_match(s, kFloat) || std::regex_match(s, kTimestamp) || s == "=" || s == "<<";
}

bool has_control(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

bool plain_ok(const std::string& s) {
  if (s.empty() || has_control(s) || resolves_to_non_string(s)) return false;
  if (std::string_view("#,[]{}&*!|>'\"%@`?:").find(s.front()) != std::string_view::npos)
    return false;
  if (s.front() == '-' && (s.size() == 1 || s[1] == ' ')) return false;
  if (s.starts_with("---") || s.starts_with("...")) return false;
  if (s.front() == ' ' || s.back() == ' ' || s.back() == ':') return false;
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos) return false;
  return true;
}

std::string double_quoted(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string scalar_text(const std::string& s) {
  if (plain_ok(s)) return s;
  if (has_control(s)) return double_quoted(s);
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string unquote(const std::string& v, const std::string& key) {
  auto bad = [&] {
    throw core::Invalid("malformed YAML value for '" + key + "'", {{key, "unterminated quote"}});
  };
  if (v.front() == '\'') {
    if (v.size() < 2 || v.back() != '\'') bad();
    std::string out;
    for (std::size_t i = 1; i + 1 < v.size(); ++i) {
      out += v[i];
      if (v[i] == '\'' && i + 2 < v.size() && v[i + 1] == '\'') ++i;
    }
    return out;
  }
  if (v.size() < 2 || v.back() != '"') bad();
  std::string out;
  for (std::size_t i = 1; i + 1 < v.size(); ++i) {
    if (v[i] != '\\') {
      out += v[i];
      continue;
    }
    char e = v[++i];
    switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case '0': out += '\0'; break;
      case ' ': out += ' '; break;
      case 'x':
        if (i + 2 < v.size()) {
          out += static_cast<char>(hex_digit(v[i + 1]) * 16 + hex_digit(v[i + 2]));
          i += 2;
        }
        break;
      default: out += e;
    }
  }
  return out;
}

}  // namespace

std::string write_yaml(const YamlMap& map) {
  std::string out;
  for (const auto& [key, value] : map) {
    out += key + ":";
    if (const auto* s = std::get_if<std::string>(&value))
      out += " " + scalar_text(*s);
    else if (const auto* i = std::get_if<std::int64_t>(&value))
      out += " " + std::to_string(*i);
    else if (std::holds_alternative<YamlNull>(value))
      out += " null";
    else
      out += " []";
    out += "\n";
  }
  return out;
}

std::map<std::string, std::string> read_yaml(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> raw;  // key, joined value text
  std::size_t pos = 0;
  long line_no = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    std::string t = trim(line);
    if (t.empty() || t.front() == '#') continue;
    if (line.front() == ' ' && !raw.empty()) {  // a folded continuation
      auto& v = raw.back().second;
      if (!v.empty() && v.back() == '\\')
        v.pop_back(), v += t;
      else
        v += (v.empty() ? "" : " ") + t;
      continue;
    }
    auto colon = t.find(':');
    if (colon == std::string::npos || colon == 0)
      throw core::Invalid("malformed YAML at line " + std::to_string(line_no),
                          {{"meta.yaml", "expected 'key: value'", line_no, std::nullopt}});
    raw.emplace_back(trim(std::string_view(t).substr(0, colon)),
                     trim(std::string_view(t).substr(colon + 1)));
  }
  std::map<std::string, std::string> out;
  for (auto& [key, v] : raw) {
    if (v.empty() || v == "~" || v == "null" || v == "Null" || v == "NULL")
      out[key] = "null";
    else if (v.front() == '\'' || v.front() == '"')
      out[key] = unquote(v, key);
    else
      out[key] = v;
  }
  return out;
}

std::string python_float(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  std::string sci(buf, res.ptr);  // "-d.ddde+XX", shortest round-trip digits
  bool negative = sci.front() == '-';
  if (negative) sci.erase(0, 1);
  auto e = sci.find('e');
  int exponent = std::stoi(sci.substr(e + 1));
  std::string digits = sci.substr(0, e);
  if (digits.size() > 1) digits.erase(1, 1);  // drop the '.'
  std::string out = negative ? "-" : "";
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out += "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
    } else {
      auto int_len = static_cast<std::size_t>(exponent) + 1;
      if (digits.size() <= int_len)
        out += digits + std::string(int_len - digits.size(), '0') + ".0";
      else
        out += digits.substr(0, int_len) + "." + digits.substr(int_len);
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  std::string exp = std::to_string(std::abs(exponent));
  if (exp.size() < 2) exp = "0" + exp;
  return out + "e" + (exponent < 0 ? "-" : "+") + exp;
}

double parse_python_float(std::string_view text) {
  std::string t = trim(text);
  if (t == "nan" || t == "NaN") return std::nan("");
  if (t == "inf" || t == "Infinity") return INFINITY;
  if (t == "-inf" || t == "-Infinity") return -INFINITY;
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (t.empty() || end != t.c_str() + t.size())
    throw core::Invalid("not a number: '" + t + "'", {{"value", "must be a number"}});
  return v;
}

std::string file_uri(const std::filesystem::path& absolute_path) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out = "file://";
  for (unsigned char c : absolute_path.generic_string()) {
    if (std::isalnum(c) || c == '_' || c == '.' || c == '~' || c == '-' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::optional<std::filesystem::path> path_from_file_uri(std::string_view uri) {
  if (!uri.starts_with("file:")) return std::nullopt;
  std::string_view rest = uri.substr(5);
  if (rest.starts_with("//")) {
    rest.remove_prefix(2);
    auto slash = rest.find('/');
    std::string_view host = rest.substr(0, slash);
    if (!host.empty() && host != "localhost") return std::nullopt;
    rest = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
  }
  std::string path;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '%' && i + 2 < rest.size() && hex_digit(rest[i + 1]) >= 0 &&
        hex_digit(rest[i + 2]) >= 0) {
      path += static_cast<char>(hex_digit(rest[i + 1]) * 16 + hex_digit(rest[i + 2]));
      i += 2;
    } else {
      path += rest[i];
    }
  }
  return std::filesystem::path(path);
}

}  // namespace churnwatch::tracking
