#include "services/customers.hpp"

#include <charconv>
#include <cstdlib>
#include <set>

#include "core/errors.hpp"
#include "core/values.hpp"

namespace churnwatch::services {
namespace {

using storage::FilterOp;

std::int64_t parse_count(const std::string& name, const std::string& value, std::int64_t lo,
                         std::int64_t hi, std::vector<core::FieldError>& errors) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || ptr != value.data() + value.size() || v < lo || v > hi) {
    errors.push_back({name, "must be a whole number from " + std::to_string(lo) + " to " +
                                std::to_string(hi)});
    return lo;
  }
  return v;
}

bool parse_op(std::string_view s, FilterOp& op) {
  static const std::pair<std::string_view, FilterOp> kOps[] = {
      {"eq", FilterOp::kEq},   {"ne", FilterOp::kNe},   {"lt", FilterOp::kLt},
      {"lte", FilterOp::kLte}, {"gt", FilterOp::kGt},   {"gte", FilterOp::kGte},
      {"in", FilterOp::kIn},   {"contains", FilterOp::kContains}};
  for (const auto& [name, value] : kOps)
    if (name == s) {
      op = value;
      return true;
    }
  return false;
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    auto comma = s.find(',', start);
    out.push_back(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// risk[gte]=0.7, risk[lt]=0.4 (current probability); risk_level=high,
// risk_level[in]=high,very_high. Used only when the schema has no attribute
// of that name.
void parse_risk_filter(const std::string& name, const std::string& attr, FilterOp op,
                       const std::string& value, storage::RiskFilter& risk,
                       std::vector<core::FieldError>& errors) {
  if (attr == "risk_level") {
    if (op != FilterOp::kEq && op != FilterOp::kIn) {
      errors.push_back({name, "risk_level takes eq or in"});
      return;
    }
    for (auto& level : op == FilterOp::kIn ? split_commas(value) : std::vector<std::string>{value})
      if (!level.empty()) risk.risk_levels.push_back(level);
    if (risk.risk_levels.empty()) errors.push_back({name, "needs a risk level name"});
    return;
  }
  char* end = nullptr;
  const double p = std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0' || !(p >= 0 && p <= 1)) {
    errors.push_back({name, "must be a probability from 0 to 1"});
    return;
  }
  switch (op) {
    case FilterOp::kGte:
    case FilterOp::kGt:  // scores are continuous: > and >= select the same customers in practice
      risk.min_probability = p;
      break;
    case FilterOp::kLt:
    case FilterOp::kLte:
      risk.max_probability = p;
      break;
    default:
      errors.push_back({name, "risk takes gte, gt, lt or lte"});
  }
}

}  // namespace

storage::CustomerQuery parse_customer_query(const core::DatasetSchema& schema,
                                            const QueryParams& params, bool paginate) {
  storage::CustomerQuery q;
  q.limit = paginate ? 50 : 0;
  std::vector<core::FieldError> errors;
  for (const auto& [name, value] : params) {
    if (name == "limit") {
      if (paginate) q.limit = parse_count(name, value, 1, kMaxPageSize, errors);
    } else if (name == "offset") {
      if (paginate) q.offset = parse_count(name, value, 0, INT64_MAX / 2, errors);
    } else if (name == "q") {
      q.search = value;
    } else if (name == "sort") {
      std::string attr = value;
      if (!attr.empty() && (attr[0] == '-' || attr[0] == '+')) {
        q.descending = attr[0] == '-';
        attr.erase(0, 1);
      }
      if (!attr.empty() && attr != "id" && attr != storage::kSortByRisk && !schema.find(attr))
        errors.push_back({"sort", "unknown attribute '" + attr + "'"});
      q.sort_by = attr == "id" ? "" : attr;
    } else if (name == "format" || name == "fields") {
      // consumed by the route (export), not a filter
    } else {
      std::string attr = name;
      FilterOp op = FilterOp::kEq;
      if (auto open = name.find('['); open != std::string::npos && name.back() == ']') {
        attr = name.substr(0, open);
        if (!parse_op(std::string_view(name).substr(open + 1, name.size() - open - 2), op)) {
          errors.push_back({name, "unknown operator; use eq, ne, lt, lte, gt, gte, in or contains"});
          continue;
        }
      }
      const auto* a = schema.find(attr);
      if (!a && name == "status") {
        // Lifecycle, unless the table has an attribute of that name.
        if (value == "active")
          q.status = storage::StatusFilter::kActive;
        else if (value == "departed")
          q.status = storage::StatusFilter::kDeparted;
        else if (!value.empty() && value != "any")
          errors.push_back({name, "must be active, departed or any"});
        continue;
      }
      if (!a && (attr == "risk" || attr == "risk_level")) {
        parse_risk_filter(name, attr, op, value, q.risk, errors);
        continue;
      }
      if (!a) {
        errors.push_back({name, "unknown attribute '" + attr + "'"});
        continue;
      }
      storage::Filter f{attr, op, {}};
      if (op == FilterOp::kContains) {
        f.values.emplace_back(value);
      } else {
        auto parts = op == FilterOp::kIn ? split_commas(value) : std::vector<std::string>{value};
        for (const auto& part : parts) {
          std::string error;
          auto v = core::parse_cell(*a, part, error);
          if (!v) errors.push_back({name, error});
          else f.values.push_back(std::move(*v));
        }
      }
      q.filters.push_back(std::move(f));
    }
  }
  if (!errors.empty()) throw core::Invalid("invalid query parameters", std::move(errors));
  return q;
}

nlohmann::json validate_attributes(const core::DatasetSchema& schema, const nlohmann::json& attrs,
                                   std::vector<core::FieldError>& errors, const std::string& prefix) {
  nlohmann::json out = nlohmann::json::object();
  if (!attrs.is_object()) {
    errors.push_back({prefix.empty() ? "attributes" : prefix, "must be an object of attribute values"});
    return out;
  }
  for (const auto& [name, value] : attrs.items()) {
    const auto* a = schema.find(name);
    if (!a) {
      errors.push_back({prefix + name, "unknown attribute"});
      continue;
    }
    std::string error;
    auto v = core::coerce_value(*a, value, error);
    if (!v) errors.push_back({prefix + name, error});
    else out[name] = std::move(*v);
  }
  return out;
}

core::DatasetSchema Customers::schema() {
  auto s = store_.current_schema();
  if (!s) throw core::Invalid("no dataset schema yet: import a customer table first");
  return *s;
}

core::Customer Customers::get(std::string_view id) {
  auto c = store_.find_customer(id);
  if (!c) throw core::NotFound("no customer with id '" + std::string(id) + "'");
  return *c;
}

core::Customer Customers::create(const nlohmann::json& attributes) {
  auto s = schema();
  std::vector<core::FieldError> errors;
  auto values = validate_attributes(s, attributes, errors);
  if (!errors.empty()) throw core::Invalid("the customer is not valid", std::move(errors));
  auto c = core::customer_from_attributes(s, std::move(values));
  auto writer = store_.begin_write(storage::WriteMode::kInsert);
  if (writer->put(c) == storage::PutOutcome::kDuplicate)
    throw core::Conflict("a customer with id '" + c.external_id + "' already exists");
  writer->commit();
  return get(c.external_id);
}

core::Customer Customers::update(std::string_view id, const nlohmann::json& attributes) {
  auto s = schema();
  auto existing = get(id);
  std::vector<core::FieldError> errors;
  auto values = validate_attributes(s, attributes, errors);
  if (!errors.empty()) throw core::Invalid("the change is not valid", std::move(errors));
  nlohmann::json merged = existing.attributes;
  for (auto& [k, v] : values.items()) merged[k] = v;
  auto c = core::customer_from_attributes(s, std::move(merged));
  if (c.external_id != existing.external_id)
    throw core::Invalid("the id of a customer cannot change",
                        {{s.id_attribute().name, "must stay '" + existing.external_id + "'"}});
  auto writer = store_.begin_write(storage::WriteMode::kUpsert);
  writer->put(c);
  writer->commit();
  return get(c.external_id);
}

void Customers::remove(std::string_view id) {
  auto writer = store_.begin_write(storage::WriteMode::kUpsert);
  if (!writer->remove(id)) throw core::NotFound("no customer with id '" + std::string(id) + "'");
  writer->commit();
}

BulkResult Customers::bulk(const nlohmann::json& body) {
  if (!body.is_object()) throw core::Invalid("the bulk body must be a JSON object");
  auto list = [&](const char* key) {
    if (!body.contains(key)) return nlohmann::json::array();
    if (!body[key].is_array())
      throw core::Invalid("invalid bulk body", {{key, "must be an array"}});
    return body[key];
  };
  const auto creates = list("create"), updates = list("update"), deletes = list("delete");
  const std::size_t total = creates.size() + updates.size() + deletes.size();
  if (total == 0) throw core::Invalid("the bulk body has no create, update or delete items");
  if (total > kMaxBulkItems)
    throw core::TooLarge("at most " + std::to_string(kMaxBulkItems) + " items per bulk call, got " +
                         std::to_string(total));
  auto s = schema();
  std::vector<core::FieldError> errors;
  std::vector<core::Customer> to_create, to_update;
  std::vector<std::string> to_delete;

  for (std::size_t i = 0; i < creates.size(); ++i) {
    const std::string at = "create[" + std::to_string(i) + "]";
    std::size_t before = errors.size();
    auto values = validate_attributes(s, creates[i], errors, at + ".");
    if (errors.size() != before) continue;
    try {
      to_create.push_back(core::customer_from_attributes(s, std::move(values)));
    } catch (const core::Invalid& e) {
      errors.push_back({at, e.what()});
    }
  }
  for (std::size_t i = 0; i < updates.size(); ++i) {
    const std::string at = "update[" + std::to_string(i) + "]";
    const auto& item = updates[i];
    if (!item.is_object() || !item.contains("id") || !item.contains("attributes")) {
      errors.push_back({at, "must be {\"id\": ..., \"attributes\": {...}}"});
      continue;
    }
    const std::string id = item["id"].is_string() ? item["id"].get<std::string>() : item["id"].dump();
    auto existing = store_.find_customer(id);
    if (!existing) {
      errors.push_back({at + ".id", "no customer with id '" + id + "'"});
      continue;
    }
    std::size_t before = errors.size();
    auto values = validate_attributes(s, item["attributes"], errors, at + ".attributes.");
    if (errors.size() != before) continue;
    nlohmann::json merged = existing->attributes;
    for (auto& [k, v] : values.items()) merged[k] = v;
    auto c = core::customer_from_attributes(s, std::move(merged));
    if (c.external_id != id) {
      errors.push_back({at + ".attributes." + s.id_attribute().name, "the id cannot change"});
      continue;
    }
    to_update.push_back(std::move(c));
  }
  for (std::size_t i = 0; i < deletes.size(); ++i) {
    const auto& d = deletes[i];
    to_delete.push_back(d.is_string() ? d.get<std::string>() : d.dump());
  }
  if (!errors.empty()) throw core::Invalid("the bulk change is not valid; nothing was changed", std::move(errors));

  BulkResult result;
  // One upserting transaction; holding the writer keeps others out, so the
  // duplicate checks below cannot race with another write.
  auto writer = store_.begin_write(storage::WriteMode::kUpsert);
  std::set<std::string> seen;
  for (std::size_t i = 0; i < to_create.size(); ++i) {
    const auto& id = to_create[i].external_id;
    if (!seen.insert(id).second || store_.find_customer(id))
      errors.push_back({"create[" + std::to_string(i) + "]",
                        "a customer with id '" + id + "' already exists"});
  }
  if (!errors.empty()) throw core::Conflict("the bulk change is not valid; nothing was changed", std::move(errors));
  for (const auto& c : to_create) {
    writer->put(c);
    ++result.created;
  }
  for (const auto& c : to_update) {
    writer->put(c);
    ++result.updated;
  }
  for (std::size_t i = 0; i < to_delete.size(); ++i) {
    if (writer->remove(to_delete[i])) ++result.deleted;
    else errors.push_back({"delete[" + std::to_string(i) + "]", "no customer with id '" + to_delete[i] + "'"});
  }
  if (!errors.empty()) throw core::Invalid("the bulk change is not valid; nothing was changed", std::move(errors));
  writer->commit();
  return result;
}

}  // namespace churnwatch::services
