#include "core/values.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>

#include "core/text.hpp"

namespace churnwatch::core {
namespace {

std::string quote(std::string_view s) {
  constexpr std::size_t kMax = 60;
  std::string out = "'";
  out += s.size() > kMax ? std::string(s.substr(0, kMax)) + "..." : std::string(s);
  return out + "'";
}

std::optional<double> parse_double(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc() && ptr == s.data() + s.size()) return v;
  // "3.0" is a whole number written as a decimal; accept it.
  if (auto d = parse_double(s); d && std::trunc(*d) == *d && std::fabs(*d) < 9.0e15)
    return static_cast<std::int64_t>(*d);
  return std::nullopt;
}

std::optional<bool> parse_bool(const Attribute& attr, std::string_view s) {
  s = trim(s);
  if (iequals(s, attr.true_text)) return true;
  if (iequals(s, attr.false_text)) return false;
  for (std::string_view t : {"1", "true", "yes", "y", "t"})
    if (iequals(s, t)) return true;
  for (std::string_view f : {"0", "false", "no", "n", "f"})
    if (iequals(s, f)) return false;
  return std::nullopt;
}

bool valid_date(std::string_view s) {
  // YYYY-MM-DD, optionally followed by a time part ("T..." or " ...").
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  if (s.size() > 10 && s[10] != 'T' && s[10] != ' ') return false;
  int y = 0, m = 0, d = 0;
  auto num = [&](std::size_t from, std::size_t len, int& out) {
    auto [p, ec] = std::from_chars(s.data() + from, s.data() + from + len, out);
    return ec == std::errc() && p == s.data() + from + len;
  };
  if (!num(0, 4, y) || !num(5, 2, m) || !num(8, 2, d)) return false;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1 || d > kDays[m - 1]) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && d == 29 && !leap);
}

std::string allowed_categories(const Attribute& attr) {
  std::string out;
  for (std::size_t i = 0; i < attr.categories.size() && i < 20; ++i) {
    if (i) out += ", ";
    out += attr.categories[i];
  }
  if (attr.categories.size() > 20) out += ", ...";
  return out;
}

}  // namespace

std::optional<nlohmann::json> parse_cell(const Attribute& attr, std::string_view text,
                                         std::string& error) {
  if (trim(text).empty()) return nlohmann::json(nullptr);
  switch (attr.type) {
    case AttrType::kNumber:
      if (auto v = parse_double(text)) return nlohmann::json(*v);
      error = "expected a number, got " + quote(text);
      return std::nullopt;
    case AttrType::kInteger:
      if (auto v = parse_int(text)) return nlohmann::json(*v);
      error = "expected a whole number, got " + quote(text);
      return std::nullopt;
    case AttrType::kBoolean:
      if (auto v = parse_bool(attr, text)) return nlohmann::json(*v);
      error = "expected " + attr.true_text + "/" + attr.false_text + ", got " + quote(text);
      return std::nullopt;
    case AttrType::kCategory: {
      std::string_view t = trim(text);
      for (const auto& c : attr.categories)
        if (c == t) return nlohmann::json(c);
      error = "unknown category " + quote(t) + " (allowed: " + allowed_categories(attr) + ")";
      return std::nullopt;
    }
    case AttrType::kDate: {
      std::string_view t = trim(text);
      if (valid_date(t)) return nlohmann::json(std::string(t));
      error = "expected a date as YYYY-MM-DD, got " + quote(text);
      return std::nullopt;
    }
    case AttrType::kText:
      return nlohmann::json(std::string(text));
  }
  return nlohmann::json(std::string(text));
}

std::optional<nlohmann::json> coerce_value(const Attribute& attr, const nlohmann::json& value,
                                           std::string& error) {
  if (value.is_null()) return value;
  if (value.is_string()) {
    if (attr.type == AttrType::kText) return value;
    const auto& s = value.get_ref<const std::string&>();
    if (s.empty() && attr.type != AttrType::kText) return nlohmann::json(nullptr);
    return parse_cell(attr, s, error);
  }
  switch (attr.type) {
    case AttrType::kNumber:
      if (value.is_number()) return nlohmann::json(value.get<double>());
      break;
    case AttrType::kInteger:
      // JSON integers above INT64_MAX arrive unsigned; get<int64_t> would wrap
      // them to negative numbers, so they are refused instead.
      if (value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
        error = "integer out of range (at most " + std::to_string(INT64_MAX) + "), got " + value.dump();
        return std::nullopt;
      }
      if (value.is_number_integer()) return nlohmann::json(value.get<std::int64_t>());
      if (value.is_number_float()) {
        double d = value.get<double>();
        if (std::trunc(d) == d && std::fabs(d) < 9.0e15)
          return nlohmann::json(static_cast<std::int64_t>(d));
      }
      break;
    case AttrType::kBoolean:
      if (value.is_boolean()) return value;
      if (value.is_number_integer() && (value == 0 || value == 1)) return nlohmann::json(value == 1);
      break;
    case AttrType::kText:
      if (value.is_number() || value.is_boolean()) return nlohmann::json(value.dump());
      break;
    default:
      break;
  }
  error = "expected " + std::string(to_string(attr.type)) + ", got " + std::string(value.type_name()) +
          " " + value.dump();
  return std::nullopt;
}

std::string format_number(double v) {
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, ptr) : std::string("0");
}

std::string format_cell(const Attribute& attr, const nlohmann::json& value) {
  if (value.is_null()) return "";
  if (value.is_boolean()) return value.get<bool>() ? attr.true_text : attr.false_text;
  if (value.is_number_integer()) return std::to_string(value.get<std::int64_t>());
  if (value.is_number_unsigned()) return std::to_string(value.get<std::uint64_t>());
  if (value.is_number_float()) return format_number(value.get<double>());
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

}  // namespace churnwatch::core
