#include "storage/json_text.hpp"

#include <charconv>
#include <cmath>

namespace churnwatch::storage {

namespace {

void append_string(const std::string& s, std::string& out) {
  // Text beyond ASCII goes through nlohmann, which validates UTF-8.
  for (unsigned char c : s) {
    if (c >= 0x80) {
      out += nlohmann::json(s).dump();
      return;
    }
  }
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += ch;
    }
  }
  out += '"';
}

template <typename T>
void append_number(T v, std::string& out) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_double(double v, std::string& out) {
  if (!std::isfinite(v)) {
    out += "null";  // as dump(): JSON has no NaN or infinity
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
  out += text;
  // "2000" would read back as an integer; keep it a float.
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

void append_value(const nlohmann::json& v, std::string& out) {
  switch (v.type()) {
    case nlohmann::json::value_t::null: out += "null"; break;
    case nlohmann::json::value_t::boolean: out += v.get<bool>() ? "true" : "false"; break;
    case nlohmann::json::value_t::number_integer: append_number(v.get<std::int64_t>(), out); break;
    case nlohmann::json::value_t::number_unsigned:
      append_number(v.get<std::uint64_t>(), out);
      break;
    case nlohmann::json::value_t::number_float: append_double(v.get<double>(), out); break;
    case nlohmann::json::value_t::string: append_string(v.get_ref<const std::string&>(), out); break;
    default: out += v.dump(); break;  // arrays, objects, binary: rare, keep it simple
  }
}

}  // namespace

void write_json(const nlohmann::json& value, std::string& out) {
  out.clear();
  if (!value.is_object()) {
    append_value(value, out);
    return;
  }
  out += '{';
  bool first = true;
  for (const auto& [key, v] : value.get_ref<const nlohmann::json::object_t&>()) {
    if (!first) out += ',';
    first = false;
    append_string(key, out);
    out += ':';
    append_value(v, out);
  }
  out += '}';
}

}  // namespace churnwatch::storage
