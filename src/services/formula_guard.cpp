#include "services/formula_guard.hpp"

#include <charconv>
#include <cmath>

namespace churnwatch::services {
namespace {

bool is_formula_start(char c) {
  return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

bool parses_as_number(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size() && std::isfinite(v);
}

// Leading quotes, then a formula character.
bool quoted_formula(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && text[i] == '\'') ++i;
  return i > 0 && i < text.size() && is_formula_start(text[i]);
}

}  // namespace

bool needs_formula_guard(std::string_view text) {
  if (text.empty()) return false;
  if (text.front() == '\'') return quoted_formula(text);
  return is_formula_start(text.front()) && !parses_as_number(text);
}

std::string guard_formula(std::string text) {
  if (needs_formula_guard(text)) text.insert(text.begin(), '\'');
  return text;
}

void remove_formula_guard(std::string& text) {
  if (quoted_formula(text)) text.erase(0, 1);
}

}  // namespace churnwatch::services
