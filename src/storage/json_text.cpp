#include "storage/json_text.hpp"

#include <charconv>
#include <cmath>

namespace churnwatch::storage {

namespace {

void append_string(const std::string& s, std::string& out) {
  const std::size_t start = out.size();
  const char* p = s.data();
  std::size_t run = 0;  // start of the stretch not yet copied
  out += '"';
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(p[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') continue;
    if (c >= 0x80) {
      // Text beyond ASCII goes through nlohmann, which validates UTF-8.
      out.resize(start);
      out += nlohmann::json(s).dump();
      return;
    }
    out.append(p + run, i - run);
    run = i + 1;
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else {
      static const char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  out.append(p + run, s.size() - run);
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
