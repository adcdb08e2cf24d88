#include "storage/customer_sql.hpp"

#include "core/errors.hpp"
#include "storage/lifecycle_sql.hpp"

namespace churnwatch::storage {

const char* const kCustomerColumns =
    "customers.row_id, external_id, display_name, label, attributes, created_at, updated_at,"
    " departed_at, departure_known_at, customer_risk.probability, customer_risk.risk_level, "
    "customer_risk.model_version,"
    " customer_risk.change, customer_risk.relative_change, customer_risk.scored_at";

const char* const kCustomerFrom =
    " FROM customers LEFT JOIN customer_risk"
    " ON customer_risk.customer_row_id = customers.row_id";

namespace {

const char* compare_op(FilterOp op) {
  switch (op) {
    case FilterOp::kEq: return " = ";
    case FilterOp::kNe: return " <> ";
    case FilterOp::kLt: return " < ";
    case FilterOp::kLte: return " <= ";
    case FilterOp::kGt: return " > ";
    case FilterOp::kGte: return " >= ";
    default: return nullptr;
  }
}

// A filter value as SQL comparable with SqlDialect::json_value: a typed
// parameter on SQLite, a JSONB value on PostgreSQL (where JSONB compares
// numbers as numbers, text as text, and true only with true).
std::string value_sql(const nlohmann::json& v, const SqlDialect& d, SqlParams& params) {
  SqlParam p = to_param(v);  // rejects null, arrays and objects on both dialects
  if (d.kind() != Dialect::kPostgres) return params.add(std::move(p));
  return "CAST(" + params.add(v.dump()) + " AS jsonb)";
}

// PostgreSQL: `attributes` contains {name: v}, the form the GIN index serves.
std::string contains_pair(const Filter& f, const nlohmann::json& v, SqlParams& params) {
  to_param(v);
  return "attributes @> CAST(" + params.add(nlohmann::json{{f.attribute, v}}.dump()) +
         " AS jsonb)";
}

std::string filter_sql(const Filter& f, const SqlDialect& d, SqlParams& params) {
  auto invalid = [&](const std::string& why) {
    return core::Invalid("filter on '" + f.attribute + "' " + why,
                         {{f.attribute, why, std::nullopt, std::nullopt}});
  };
  if (f.op == FilterOp::kIn) {
    if (f.values.empty()) return "1 = 0";  // in an empty set: nothing matches
    if (d.kind() == Dialect::kPostgres) {
      std::string s = "(";
      for (std::size_t i = 0; i < f.values.size(); ++i) {
        if (i) s += " OR ";
        s += contains_pair(f, f.values[i], params);
      }
      return s + ")";
    }
    std::string s = d.json_value("attributes", f.attribute, params) + " IN (";
    for (std::size_t i = 0; i < f.values.size(); ++i) {
      if (i) s += ", ";
      s += params.add(to_param(f.values[i]));
    }
    return s + ")";
  }
  if (f.values.size() != 1) throw invalid("needs exactly one value");
  const nlohmann::json& v = f.values.front();
  if (f.op == FilterOp::kContains) {
    if (!v.is_string()) throw invalid("needs a text value for 'contains'");
    return d.contains_ci(d.json_text("attributes", f.attribute, params), v.get<std::string>(),
                         params);
  }
  if (f.op == FilterOp::kNe) {
    // A customer without the attribute is "not equal" too. The expression is
    // written twice, so its bound name is added twice.
    std::string first = d.json_value("attributes", f.attribute, params);
    std::string second = d.json_value("attributes", f.attribute, params);
    return "(" + first + " IS NULL OR " + second + " <> " + value_sql(v, d, params) + ")";
  }
  if (f.op == FilterOp::kEq && d.kind() == Dialect::kPostgres) return contains_pair(f, v, params);
  std::string value = d.json_value("attributes", f.attribute, params);
  return value + compare_op(f.op) + value_sql(v, d, params);
}

// Conditions of the risk filter; a NULL probability (never scored) fails each.
void risk_conditions(const RiskFilter& r, SqlParams& params, std::vector<std::string>& conds) {
  if (r.min_probability) {
    conds.push_back("customer_risk.probability >= " + params.add(*r.min_probability));
  }
  if (r.max_probability) {
    conds.push_back("customer_risk.probability < " + params.add(*r.max_probability));
  }
  if (!r.risk_levels.empty()) {
    std::string s = "customer_risk.risk_level IN (";
    for (std::size_t i = 0; i < r.risk_levels.size(); ++i) {
      if (i) s += ", ";
      s += params.add(r.risk_levels[i]);
    }
    conds.push_back(s + ")");
  }
}

}  // namespace

SqlParam to_param(const nlohmann::json& v) {
  if (v.is_boolean()) return static_cast<long long>(v.get<bool>() ? 1 : 0);
  if (v.is_number_integer()) return v.get<long long>();
  if (v.is_number_unsigned()) return static_cast<long long>(v.get<unsigned long long>());
  if (v.is_number_float()) return v.get<double>();
  if (v.is_string()) return v.get<std::string>();
  throw core::Invalid("a filter value must be a number, text or boolean, not " +
                      std::string(v.type_name()));
}

std::string customer_where(const CustomerQuery& q, const SqlDialect& d, SqlParams& params) {
  std::vector<std::string> conds;
  for (const Filter& f : q.filters) conds.push_back(filter_sql(f, d, params));
  risk_conditions(q.risk, params, conds);
  switch (q.status) {
    case StatusFilter::kActive:
      conds.push_back(kActiveCustomer);
      break;
    case StatusFilter::kDeparted:
      conds.push_back("customers.label = 1");
      break;
    case StatusFilter::kAny:
      break;
  }
  if (!q.search.empty()) {
    std::string a = d.contains_ci("external_id", q.search, params);
    std::string b = d.contains_ci("display_name", q.search, params);
    conds.push_back("(" + a + " OR " + b + ")");
  }
  if (conds.empty()) return "";
  std::string s = " WHERE ";
  for (std::size_t i = 0; i < conds.size(); ++i) {
    if (i) s += " AND ";
    s += conds[i];
  }
  return s;
}

std::string customer_order(const CustomerQuery& q, const SqlDialect& d, SqlParams& params) {
  const char* dir = q.descending ? " DESC" : " ASC";
  if (q.sort_by.empty()) return std::string(" ORDER BY external_id") + dir;
  if (q.sort_by == kSortByRisk) {
    return std::string(" ORDER BY customer_risk.probability") + dir + " NULLS LAST, external_id" +
           dir;
  }
  return " ORDER BY " + d.json_value("attributes", q.sort_by, params) + dir +
         " NULLS LAST, external_id" + dir;
}

void bind_params(soci::statement& st, std::vector<SqlParam>& params) {
  // Bound by name: placeholders may appear in the text in any order.
  for (std::size_t i = 0; i < params.size(); ++i) {
    std::string name = "p" + std::to_string(i + 1);
    std::visit([&](auto& v) { st.exchange(soci::use(v, name)); }, params[i]);
  }
}

void CustomerRow::bind(soci::statement& st) {
  st.exchange(soci::into(row_id));
  st.exchange(soci::into(external_id));
  st.exchange(soci::into(display_name));
  st.exchange(soci::into(label, label_ind));
  st.exchange(soci::into(attributes));
  st.exchange(soci::into(created_at));
  st.exchange(soci::into(updated_at));
  st.exchange(soci::into(departed_at, departed_at_ind));
  st.exchange(soci::into(departure_known_at, departure_known_at_ind));
  st.exchange(soci::into(probability, probability_ind));
  st.exchange(soci::into(risk_level, risk_level_ind));
  st.exchange(soci::into(model_version, model_version_ind));
  st.exchange(soci::into(change, change_ind));
  st.exchange(soci::into(relative_change, relative_change_ind));
  st.exchange(soci::into(scored_at, scored_at_ind));
}

core::Customer CustomerRow::to_customer() const {
  core::Customer c;
  c.row_id = row_id;
  c.external_id = external_id;
  c.display_name = display_name;
  if (label_ind == soci::i_ok) c.label = label;
  c.attributes = nlohmann::json::parse(attributes);
  c.created_at = created_at;
  c.updated_at = updated_at;
  // A label of 1 without a date can only be a row written before the
  // writers kept one; its last change stands in.
  if (c.departed()) c.departed_at = departed_at_ind == soci::i_ok ? departed_at : updated_at;
  if (c.departed() && departure_known_at_ind == soci::i_ok) c.departure_known_at = departure_known_at;
  if (probability_ind == soci::i_ok) {
    auto optional = [](double v, soci::indicator ind) {
      return ind == soci::i_ok ? nlohmann::json(v) : nlohmann::json(nullptr);
    };
    c.risk = nlohmann::json{{"probability", probability},
                            {"risk_level", risk_level},
                            {"change", optional(change, change_ind)},
                            {"relative_change", optional(relative_change, relative_change_ind)},
                            {"model_version", model_version},
                            {"scored_at", scored_at}};
  }
  return c;
}

}  // namespace churnwatch::storage
