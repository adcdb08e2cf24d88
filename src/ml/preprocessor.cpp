#include "ml/preprocessor.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <exception>
#include <map>
#include <thread>
#include <unordered_map>

#include "core/errors.hpp"
#include "core/text.hpp"

namespace churnwatch::ml {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

bool encodable(core::AttrType t) { return t != core::AttrType::kText; }

[[noreturn]] void bad_value(const core::Attribute& attr, const nlohmann::json& value,
                            std::string_view expected) {
  throw core::Invalid("attribute '" + attr.name + "' expects " + std::string(expected) + ", got " +
                          value.dump(),
                      {core::FieldError{attr.name, "expected " + std::string(expected), {}, {}}});
}

double to_number(const core::Attribute& attr, const nlohmann::json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_boolean()) return v.get<bool>() ? 1.0 : 0.0;
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    double out = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && end == s.data() + s.size()) return out;
  }
  bad_value(attr, v, "a number");
}

double to_boolean(const core::Attribute& attr, const nlohmann::json& v) {
  if (v.is_boolean()) return v.get<bool>() ? 1.0 : 0.0;
  if (v.is_number()) return v.get<double>() != 0.0 ? 1.0 : 0.0;
  if (v.is_string()) {
    const auto s = core::ascii_lower(v.get_ref<const std::string&>());
    if (core::iequals(s, attr.true_text) || s == "true" || s == "yes" || s == "y" || s == "1") return 1.0;
    if (core::iequals(s, attr.false_text) || s == "false" || s == "no" || s == "n" || s == "0") return 0.0;
  }
  bad_value(attr, v, "a boolean");
}

// Categories are compared as text; a number sent for a category matches its text.
std::string category_text(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string_view policy_name(MissingPolicy p) {
  return p == MissingPolicy::kKeepMissing ? "keep_missing" : "impute_scale";
}

}  // namespace

double days_since_epoch(const std::string& text) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (text.size() < 10 || text[4] != '-' || text[7] != '-') return std::nan("");
  const char* s = text.data();
  if (std::from_chars(s, s + 4, y).ec != std::errc() ||
      std::from_chars(s + 5, s + 7, m).ec != std::errc() ||
      std::from_chars(s + 8, s + 10, d).ec != std::errc() || m < 1 || m > 12 || d < 1 || d > 31) {
    return std::nan("");
  }
  // Howard Hinnant's days_from_civil.
  y -= m <= 2 ? 1 : 0;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<double>(era) * 146097 + static_cast<double>(doe) - 719468;
}

Preprocessor Preprocessor::fit(const core::DatasetSchema& schema,
                               const std::vector<nlohmann::json>& rows, MissingPolicy policy) {
  Preprocessor p;
  p.policy_ = policy;
  for (const auto* attr : schema.features()) {
    if (encodable(attr->type)) p.attributes_.push_back(*attr);
  }
  for (std::size_t a = 0; a < p.attributes_.size(); ++a) {
    const auto& attr = p.attributes_[a];
    if (attr.type != core::AttrType::kCategory) {
      p.columns_.push_back(Column{attr.name, a, "", 0.0, 1.0});
      continue;
    }
    // Seen categories, schema order first, then first-seen order; the most
    // frequent kMaxCategories keep a column.
    std::unordered_map<std::string, std::size_t> counts;
    std::vector<std::string> order = attr.categories;
    for (const auto& row : rows) {
      const auto it = row.find(attr.name);
      if (it == row.end() || it->is_null()) continue;
      auto text = category_text(*it);
      if (counts[text]++ == 0 &&
          std::find(order.begin(), order.end(), text) == order.end()) {
        order.push_back(std::move(text));
      }
    }
    std::erase_if(order, [&](const std::string& c) { return counts[c] == 0; });
    if (order.size() > kMaxCategories) {
      std::vector<std::string> by_count = order;
      std::stable_sort(by_count.begin(), by_count.end(),
                       [&](const auto& x, const auto& y) { return counts[x] > counts[y]; });
      by_count.resize(kMaxCategories);
      std::erase_if(order, [&](const std::string& c) {
        return std::find(by_count.begin(), by_count.end(), c) == by_count.end();
      });
    }
    for (const auto& c : order) p.columns_.push_back(Column{attr.name + "=" + c, a, c, 0.0, 1.0});
  }
  if (p.columns_.empty()) {
    throw core::Invalid("the schema has no usable feature attributes (number, integer, boolean, "
                        "category or date with role feature)");
  }
  p.index_spans();

  if (policy == MissingPolicy::kImputeScale) {
    // Means and deviations of the raw encoding, ignoring missing values.
    Preprocessor raw = p;
    raw.policy_ = MissingPolicy::kKeepMissing;
    const auto m = raw.transform(rows, 1);
    for (std::size_t c = 0; c < p.columns_.size(); ++c) {
      if (!p.columns_[c].category.empty()) continue;
      double sum = 0, sq = 0;
      std::size_t n = 0;
      for (std::size_t r = 0; r < m.rows; ++r) {
        const double v = m.row(r)[c];
        if (std::isnan(v)) continue;
        sum += v;
        sq += v * v;
        ++n;
      }
      const double mean = n ? sum / static_cast<double>(n) : 0.0;
      const double var = n ? sq / static_cast<double>(n) - mean * mean : 0.0;
      p.columns_[c].mean = mean;
      p.columns_[c].scale = var > 1e-12 ? std::sqrt(var) : 1.0;
    }
  }
  return p;
}

void Preprocessor::index_spans() {
  spans_.assign(attributes_.size(), Span{});
  for (std::size_t c = 0; c < columns_.size(); ++c) {
    auto& s = spans_.at(columns_[c].attribute);
    if (s.count == 0) s.first = c;
    ++s.count;
  }
}

void Preprocessor::encode_attribute(std::size_t a, const nlohmann::json* value, float* out) const {
  const auto& attr = attributes_[a];
  const auto& span = spans_[a];
  const bool missing = value == nullptr || value->is_null();
  if (attr.type == core::AttrType::kCategory) {
    std::fill(out + span.first, out + span.first + span.count, 0.0f);
    if (missing) return;
    const auto text = category_text(*value);
    for (std::size_t c = span.first; c < span.first + span.count; ++c) {
      if (columns_[c].category == text) {
        out[c] = 1.0f;
        break;
      }
    }
    return;
  }
  double v = std::nan("");
  if (!missing) {
    switch (attr.type) {
      case core::AttrType::kBoolean: v = to_boolean(attr, *value); break;
      case core::AttrType::kDate:
        if (value->is_string()) {
          v = days_since_epoch(value->get<std::string>());
          if (std::isnan(v)) bad_value(attr, *value, "a date (YYYY-MM-DD)");
        } else {
          v = to_number(attr, *value);
        }
        break;
      default: v = to_number(attr, *value); break;
    }
  }
  const auto& col = columns_[span.first];
  if (policy_ == MissingPolicy::kImputeScale) {
    v = std::isnan(v) ? 0.0 : (v - col.mean) / col.scale;
  }
  out[span.first] = std::isnan(v) ? kNaN : static_cast<float>(v);
}

void Preprocessor::transform_row(const nlohmann::json& row, float* out) const {
  if (!row.is_object()) throw core::Invalid("a customer's attributes must be a JSON object");
  for (std::size_t a = 0; a < attributes_.size(); ++a) {
    const auto it = row.find(attributes_[a].name);
    encode_attribute(a, it == row.end() ? nullptr : &*it, out);
  }
}

FeatureMatrix Preprocessor::transform(const std::vector<nlohmann::json>& rows,
                                      unsigned threads) const {
  FeatureMatrix m;
  m.rows = rows.size();
  m.cols = columns_.size();
  m.values.resize(m.rows * m.cols);
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  constexpr std::size_t kMinRowsPerThread = 4096;
  threads = static_cast<unsigned>(
      std::clamp<std::size_t>(m.rows / kMinRowsPerThread, 1, threads));
  auto work = [&](std::size_t begin, std::size_t end) {
    for (std::size_t r = begin; r < end; ++r) transform_row(rows[r], m.values.data() + r * m.cols);
  };
  if (threads == 1) {
    work(0, m.rows);
    return m;
  }
  std::vector<std::thread> pool;
  std::vector<std::exception_ptr> errors(threads);
  const std::size_t chunk = (m.rows + threads - 1) / threads;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      try {
        work(std::min(m.rows, t * chunk), std::min(m.rows, (t + 1) * chunk));
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  }
  for (auto& th : pool) th.join();
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  return m;
}

void to_json(nlohmann::json& j, const Preprocessor& p) {
  j = nlohmann::json{{"policy", policy_name(p.policy_)},
                     {"attributes", p.attributes_},
                     {"columns", nlohmann::json::array()}};
  for (const auto& c : p.columns_) {
    j["columns"].push_back({{"name", c.name},
                            {"attribute", c.attribute},
                            {"category", c.category},
                            {"mean", c.mean},
                            {"scale", c.scale}});
  }
}

void from_json(const nlohmann::json& j, Preprocessor& p) {
  const auto policy = j.at("policy").get<std::string>();
  if (policy != "keep_missing" && policy != "impute_scale") {
    throw core::Invalid("unknown missing-value policy '" + policy + "' in model bundle");
  }
  p.policy_ = policy == "keep_missing" ? MissingPolicy::kKeepMissing : MissingPolicy::kImputeScale;
  p.attributes_ = j.at("attributes").get<std::vector<core::Attribute>>();
  p.columns_.clear();
  for (const auto& c : j.at("columns")) {
    Column col{c.at("name").get<std::string>(), c.at("attribute").get<std::size_t>(),
               c.at("category").get<std::string>(), c.at("mean").get<double>(),
               c.at("scale").get<double>()};
    if (col.attribute >= p.attributes_.size()) {
      throw core::Invalid("model bundle column '" + col.name + "' names no attribute");
    }
    p.columns_.push_back(std::move(col));
  }
  p.index_spans();
}

}  // namespace churnwatch::ml
