// The CSV export's guard against spreadsheet formulas, and its inverse for
// imports. Spreadsheets run a cell that starts with = + - @ (and, after
// trimming, a tab or carriage return) as a formula, so export puts one '
// before such a cell, before a cell that already starts with ' followed by
// one of those (so the guard stays reversible), and before header names;
// a number such as -5 or +3.2 stays as it is. Import removes exactly that
// prefix from every cell and header name, so an exported file imports to
// the same values.
#pragma once

#include <string>
#include <string_view>

namespace churnwatch::services {

// Whether export must prefix `text` with '.
bool needs_formula_guard(std::string_view text);
// `text` as export writes it.
std::string guard_formula(std::string text);
// Removes the one ' export added; other text is left alone.
void remove_formula_guard(std::string& text);

}  // namespace churnwatch::services
