#include "services/schema_inference.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>
#include <unordered_set>

#include "core/errors.hpp"
#include "core/text.hpp"
#include "services/csv_reader.hpp"

namespace churnwatch::services {
namespace {

// A text column is a category when it has at most this many distinct values
// and they repeat (at most half as many distinct values as filled cells).
constexpr std::size_t kMaxCategories = 50;

// Lowercase letters and digits only: "Customer_ID" -> "customerid".
std::string normalized(std::string_view s) {
  std::string out;
  for (char c : s)
    if (std::isalnum(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool parses_int(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

bool parses_number(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size() && std::isfinite(v);
}

bool parses_date(std::string_view s) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  if (s.size() > 10 && s[10] != 'T' && s[10] != ' ') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
  return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

// Pairs of spellings a boolean column may use, true first.
constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kBoolPairs{
    {{"1", "0"}, {"true", "false"}, {"yes", "no"}, {"y", "n"}, {"t", "f"}}};

struct Column {
  std::string name;
  std::vector<std::string> distinct;  // first-seen order, capped
  std::unordered_set<std::string> seen;
  bool distinct_overflow = false;
  std::size_t filled = 0;
  bool all_int = true, all_number = true, all_date = true;
  bool unique = true;                          // no repeated value (exact while not overflowing)
  std::unordered_set<std::string> all_values;  // for uniqueness of id candidates
  bool canonical_ints = true;                  // integers without leading zeros or '+'
  bool row_numbers = true;                     // 1..n (or 0..n-1) in order, no gaps
  std::int64_t expected_row = -1;
};

void observe(Column& col, std::string_view raw, std::size_t row_index) {
  std::string_view v = core::trim(raw);
  if (v.empty()) {
    col.row_numbers = false;
    return;
  }
  ++col.filled;
  std::string value(v);
  if (col.unique && !col.all_values.insert(value).second) col.unique = false;
  if (col.all_int && !parses_int(v)) col.all_int = false;
  if (col.all_number && !parses_number(v)) col.all_number = false;
  if (col.all_date && !parses_date(v)) col.all_date = false;
  if (col.all_int && ((v.size() > 1 && v[0] == '0') || v[0] == '+')) col.canonical_ints = false;
  if (col.row_numbers) {
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    bool ok = ec == std::errc() && p == v.data() + v.size();
    if (row_index == 0 && ok && (n == 0 || n == 1)) col.expected_row = n;
    col.row_numbers = ok && n == col.expected_row + static_cast<std::int64_t>(row_index);
  }
  if (!col.distinct_overflow && col.seen.insert(value).second) {
    col.distinct.push_back(std::move(value));
    if (col.distinct.size() > kMaxCategories) col.distinct_overflow = true;
  }
}

// The spellings (true, false) when every value is one of a boolean pair.
std::optional<std::pair<std::string, std::string>> boolean_texts(const Column& col) {
  if (col.distinct_overflow || col.distinct.empty()) return std::nullopt;
  for (const auto& [t, f] : kBoolPairs) {
    std::string true_text, false_text;
    bool fits = true;
    for (const auto& v : col.distinct) {
      std::string l = core::ascii_lower(v);
      if (l == t) {
        if (true_text.empty()) true_text = v;
      } else if (l == f) {
        if (false_text.empty()) false_text = v;
      } else {
        fits = false;
      }
    }
    if (!fits) continue;
    // Keep the file's capitalisation ("Yes"/"No") for the value not seen too.
    bool upper_first =
        !col.distinct.empty() && std::isupper(static_cast<unsigned char>(col.distinct.front().front()));
    auto spell = [&](std::string_view s) {
      std::string out(s);
      if (upper_first && !out.empty())
        out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
      return out;
    };
    if (true_text.empty()) true_text = spell(t);
    if (false_text.empty()) false_text = spell(f);
    return std::make_pair(true_text, false_text);
  }
  return std::nullopt;
}

bool label_name(const std::string& n) {
  static const std::unordered_set<std::string> kNames{
      "churn",      "churned",   "exited",    "label",      "target",     "attrition",
      "churnlabel", "churnflag", "ischurned", "haschurned", "churnvalue", "attritionflag"};
  return kNames.count(n) > 0;
}

bool display_name(const std::string& n) {
  static const std::unordered_set<std::string> kNames{
      "surname",     "name",         "fullname",   "lastname",    "firstname",
      "displayname", "customername", "clientname", "accountname", "membername"};
  return kNames.count(n) > 0;
}

// A date column that says when a customer left ("ChurnDate", "exit_date",
// "cancelled_on", "end date" ...): proposed as the departure date, so it is
// never learnt from (it is known only for those who left).
bool departure_name(const std::string& n) {
  static const std::unordered_set<std::string> kNames{
      "churndate",       "churnedat",       "churnedon",     "dateofchurn",      "exitdate",
      "exitedat",        "exitedon",        "departuredate", "departedat",       "departedon",
      "leavedate",       "leftat",          "lefton",        "cancellationdate", "cancelledat",
      "cancelledon",     "canceledat",      "canceledon",    "cancelleddate",    "enddate",
      "contractenddate", "terminationdate", "terminatedat",  "terminatedon",     "closedate",
      "closedat",        "closedon",        "attritiondate", "churneddate"};
  return kNames.count(n) > 0;
}

bool id_name(const std::string& raw) {
  std::string n = normalized(raw);
  if (n == "id") return true;
  std::string l = core::ascii_lower(raw);
  auto ends = [&](std::string_view suffix) {
    return l.size() > suffix.size() && l.compare(l.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends("_id") || ends("-id") || ends(" id") || ends(".id")) return true;
  // camelCase "CustomerId" / "customerID"
  if (raw.size() > 2 && (raw.ends_with("Id") || raw.ends_with("ID")) &&
      std::islower(static_cast<unsigned char>(raw[raw.size() - 3])))
    return true;
  for (std::string_view p : {"customer", "client", "account", "member", "user", "cust"})
    if (n.starts_with(p) && n.ends_with("id")) return true;
  return false;
}

}  // namespace

core::DatasetSchema infer_schema(const std::vector<std::string>& header,
                                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<core::FieldError> header_errors;
  for (std::size_t i = 0; i < header.size(); ++i)
    if (core::trim(header[i]).empty())
      header_errors.push_back(
          {"", "column " + std::to_string(i + 1) + " has no name", 1L, static_cast<long>(i + 1)});
  if (header.empty()) header_errors.push_back({"", "the file has no header line", 1L, 1L});
  if (!header_errors.empty()) throw core::Invalid("the header is not usable", header_errors);

  std::vector<Column> cols(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) cols[c].name = std::string(core::trim(header[c]));
  for (std::size_t r = 0; r < rows.size(); ++r)
    for (std::size_t c = 0; c < cols.size(); ++c)
      observe(cols[c], c < rows[r].size() ? std::string_view(rows[r][c]) : std::string_view(), r);

  core::DatasetSchema schema;
  for (const auto& col : cols) {
    core::Attribute a;
    a.name = col.name;
    a.role = core::Role::kFeature;
    if (col.filled == 0) {
      a.type = core::AttrType::kText;
      a.role = core::Role::kIgnored;  // nothing to learn from an empty column
    } else if (auto texts = boolean_texts(col)) {
      a.type = core::AttrType::kBoolean;
      a.true_text = texts->first;
      a.false_text = texts->second;
    } else if (col.all_int) {
      a.type = core::AttrType::kInteger;
    } else if (col.all_number) {
      a.type = core::AttrType::kNumber;
    } else if (col.all_date) {
      a.type = core::AttrType::kDate;
    } else if (!col.distinct_overflow && col.distinct.size() * 2 <= col.filled) {
      a.type = core::AttrType::kCategory;
      a.categories = col.distinct;
    } else {
      a.type = core::AttrType::kText;
    }
    schema.attributes.push_back(std::move(a));
  }

  const bool have_rows = !rows.empty();
  auto id_candidate = [&](std::size_t i) {
    const auto& col = cols[i];
    return have_rows && col.filled == rows.size() && col.unique &&
           schema.attributes[i].type != core::AttrType::kNumber &&
           schema.attributes[i].type != core::AttrType::kBoolean;
  };
  auto make_id = [&](std::size_t i) {
    auto& a = schema.attributes[i];
    a.role = core::Role::kId;
    // Ids like "00123" keep their zeros: only canonical integers stay integer.
    if (a.type != core::AttrType::kInteger || !cols[i].canonical_ints) a.type = core::AttrType::kText;
    a.categories.clear();
  };

  std::optional<std::size_t> id;
  for (std::size_t i = 0; i < cols.size() && !id; ++i)
    if (id_name(cols[i].name) && id_candidate(i)) id = i;

  bool label_done = false, display_done = false, departure_done = false;
  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (id && *id == i) continue;
    auto& a = schema.attributes[i];
    const std::string n = normalized(a.name);
    if (!label_done && label_name(n) && a.type == core::AttrType::kBoolean) {
      a.role = core::Role::kLabel;
      label_done = true;
    } else if (!display_done && display_name(n) &&
               (a.type == core::AttrType::kText || a.type == core::AttrType::kCategory)) {
      a.role = core::Role::kDisplay;
      a.type = core::AttrType::kText;
      a.categories.clear();
      display_done = true;
    } else if (!departure_done && departure_name(n) && a.type == core::AttrType::kDate) {
      a.role = core::Role::kDeparture;
      departure_done = true;
    } else if (have_rows && rows.size() > 1 && cols[i].row_numbers && a.type == core::AttrType::kInteger) {
      a.role = core::Role::kIgnored;
    }
  }
  // No id-named column: the first unique text/integer column that is not a
  // plain row number, else the row number itself.
  for (int pass = 0; pass < 2 && !id; ++pass)
    for (std::size_t i = 0; i < cols.size() && !id; ++i) {
      auto role = schema.attributes[i].role;
      bool allowed = pass == 0 ? role == core::Role::kFeature && !cols[i].row_numbers
                               : role == core::Role::kIgnored && cols[i].row_numbers;
      if (allowed && id_candidate(i)) id = i;
    }
  if (!id) {
    throw core::Invalid(
        "no column can serve as the customer id: none has a unique value in every row",
        {core::FieldError{"attributes", "name one column with role 'id' (unique, never empty)"}});
  }
  make_id(*id);
  schema.validate();
  return schema;
}

core::DatasetSchema infer_schema_from_csv(std::istream& in, std::size_t max_rows) {
  CsvReader reader(in, "sample");
  CsvRecord rec;
  if (!reader.next(rec)) throw core::Invalid("the file is empty: a header line is needed");
  std::vector<std::string> header = std::move(rec.cells);
  std::vector<std::vector<std::string>> rows;
  while (rows.size() < max_rows && reader.next(rec)) rows.push_back(rec.cells);
  return infer_schema(header, rows);
}

}  // namespace churnwatch::services
