#include "core/schema.hpp"

#include <array>
#include <set>
#include <utility>

#include "core/errors.hpp"

namespace churnwatch::core {
namespace {

constexpr std::array<std::pair<AttrType, std::string_view>, 6> kTypeNames{{
    {AttrType::kNumber, "number"},
    {AttrType::kInteger, "integer"},
    {AttrType::kBoolean, "boolean"},
    {AttrType::kCategory, "category"},
    {AttrType::kText, "text"},
    {AttrType::kDate, "date"},
}};

constexpr std::array<std::pair<Role, std::string_view>, 6> kRoleNames{{
    {Role::kId, "id"},
    {Role::kLabel, "label"},
    {Role::kFeature, "feature"},
    {Role::kDisplay, "display"},
    {Role::kIgnored, "ignored"},
    {Role::kDeparture, "departure_date"},
}};

template <typename E, std::size_t N>
std::string allowed(const std::array<std::pair<E, std::string_view>, N>& names) {
  std::string out;
  for (const auto& [value, name] : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

}  // namespace

std::string_view to_string(AttrType t) {
  for (const auto& [value, name] : kTypeNames)
    if (value == t) return name;
  return "text";
}

std::string_view to_string(Role r) {
  for (const auto& [value, name] : kRoleNames)
    if (value == r) return name;
  return "feature";
}

AttrType parse_attr_type(std::string_view s) {
  for (const auto& [value, name] : kTypeNames)
    if (name == s) return value;
  throw Invalid("unknown attribute type '" + std::string(s) + "'",
                {{"type", "must be one of: " + allowed(kTypeNames)}});
}

Role parse_role(std::string_view s) {
  for (const auto& [value, name] : kRoleNames)
    if (name == s) return value;
  throw Invalid("unknown attribute role '" + std::string(s) + "'",
                {{"role", "must be one of: " + allowed(kRoleNames)}});
}

const Attribute* DatasetSchema::find(std::string_view name) const {
  for (const auto& a : attributes)
    if (a.name == name) return &a;
  return nullptr;
}

const Attribute& DatasetSchema::id_attribute() const {
  for (const auto& a : attributes)
    if (a.role == Role::kId) return a;
  throw Invalid("the dataset schema has no id attribute");
}

const Attribute* DatasetSchema::label_attribute() const {
  for (const auto& a : attributes)
    if (a.role == Role::kLabel) return &a;
  return nullptr;
}

const Attribute* DatasetSchema::display_attribute() const {
  for (const auto& a : attributes)
    if (a.role == Role::kDisplay) return &a;
  return nullptr;
}

const Attribute* DatasetSchema::departure_attribute() const {
  for (const auto& a : attributes)
    if (a.role == Role::kDeparture) return &a;
  return nullptr;
}

std::vector<const Attribute*> DatasetSchema::features() const {
  std::vector<const Attribute*> out;
  for (const auto& a : attributes)
    if (a.role == Role::kFeature) out.push_back(&a);
  return out;
}

void DatasetSchema::validate() const {
  std::vector<FieldError> errors;
  std::set<std::string> names;
  int ids = 0, labels = 0, displays = 0, departures = 0;
  for (std::size_t i = 0; i < attributes.size(); ++i) {
    const auto& a = attributes[i];
    const std::string field = "attributes[" + std::to_string(i) + "]";
    if (a.name.empty()) errors.push_back({field + ".name", "must not be empty"});
    if (a.name.size() > 200) errors.push_back({field + ".name", "must be at most 200 characters"});
    if (!names.insert(a.name).second)
      errors.push_back({field + ".name", "duplicate attribute name '" + a.name + "'"});
    if (a.type == AttrType::kCategory && a.categories.empty())
      errors.push_back({field + ".categories", "a category attribute needs at least one category"});
    if (a.type == AttrType::kBoolean && a.true_text == a.false_text)
      errors.push_back({field + ".true_text", "true_text and false_text must differ"});
    switch (a.role) {
      case Role::kId:
        ++ids;
        if (a.type != AttrType::kText && a.type != AttrType::kInteger && a.type != AttrType::kCategory)
          errors.push_back({field + ".type", "the id attribute must be text or integer"});
        break;
      case Role::kLabel:
        ++labels;
        if (a.type != AttrType::kBoolean)
          errors.push_back({field + ".type", "the label attribute must be boolean (churned or not)"});
        break;
      case Role::kDisplay: ++displays; break;
      case Role::kDeparture:
        ++departures;
        if (a.type != AttrType::kDate)
          errors.push_back({field + ".type", "the departure_date attribute must be a date (YYYY-MM-DD)"});
        break;
      default: break;
    }
  }
  if (attributes.empty()) errors.push_back({"attributes", "the schema needs at least one attribute"});
  if (ids != 1) errors.push_back({"attributes", "exactly one attribute must have role 'id' (found " + std::to_string(ids) + ")"});
  if (labels > 1) errors.push_back({"attributes", "at most one attribute may have role 'label'"});
  if (displays > 1) errors.push_back({"attributes", "at most one attribute may have role 'display'"});
  if (departures > 1)
    errors.push_back({"attributes", "at most one attribute may have role 'departure_date'"});
  if (!errors.empty()) throw Invalid("the dataset schema is not valid", std::move(errors));
}

void to_json(nlohmann::json& j, const Attribute& a) {
  j = nlohmann::json{{"name", a.name}, {"type", to_string(a.type)}, {"role", to_string(a.role)}};
  if (a.type == AttrType::kCategory) j["categories"] = a.categories;
  if (a.type == AttrType::kBoolean) {
    j["true_text"] = a.true_text;
    j["false_text"] = a.false_text;
  }
}

namespace {

// A string member of an untrusted document, `fallback` when absent; Invalid
// naming the member when it has another type ("type": 5).
std::string string_member(const nlohmann::json& j, const char* key, std::string fallback) {
  const auto it = j.find(key);
  if (it == j.end()) return fallback;
  if (!it->is_string())
    throw Invalid(std::string("'") + key + "' must be a string", {{key, "must be a string"}});
  return it->get<std::string>();
}

}  // namespace

void from_json(const nlohmann::json& j, Attribute& a) {
  if (!j.is_object()) throw Invalid("an attribute must be a JSON object", {{"", "must be an object"}});
  if (!j.contains("name") || !j["name"].is_string())
    throw Invalid("an attribute needs a string 'name'", {{"name", "required string"}});
  a.name = j["name"].get<std::string>();
  a.type = parse_attr_type(string_member(j, "type", "text"));
  a.role = parse_role(string_member(j, "role", "feature"));
  a.categories.clear();
  if (j.contains("categories")) {
    if (!j["categories"].is_array())
      throw Invalid("'categories' must be an array of strings",
                    {{"categories", "must be an array of strings"}});
    for (const auto& c : j["categories"]) {
      if (!c.is_string())
        throw Invalid("'categories' must be an array of strings",
                      {{"categories", "must be an array of strings"}});
      a.categories.push_back(c.get<std::string>());
    }
  }
  a.true_text = string_member(j, "true_text", "true");
  a.false_text = string_member(j, "false_text", "false");
}

void to_json(nlohmann::json& j, const DatasetSchema& s) {
  j = nlohmann::json{{"version", s.version}, {"attributes", s.attributes}};
}

void from_json(const nlohmann::json& j, DatasetSchema& s) {
  if (!j.is_object() || !j.contains("attributes") || !j["attributes"].is_array())
    throw Invalid("a dataset schema is an object with an 'attributes' array",
                  {{"attributes", "required array"}});
  const auto version = j.find("version");
  if (version != j.end() && !version->is_number_integer())
    throw Invalid("'version' must be a whole number", {{"version", "must be a whole number"}});
  s.version = version == j.end() ? 0 : version->get<int>();
  s.attributes.clear();
  const auto& list = j["attributes"];
  for (std::size_t i = 0; i < list.size(); ++i) {
    try {
      s.attributes.push_back(list[i].get<Attribute>());
    } catch (const Invalid& e) {
      // Name the attribute: "attributes[2].type", as validate() does.
      const std::string at = "attributes[" + std::to_string(i) + "]";
      std::vector<FieldError> errors;
      for (auto err : e.errors()) {
        err.field = err.field.empty() ? at : at + "." + err.field;
        errors.push_back(std::move(err));
      }
      throw Invalid(at + ": " + e.what(), std::move(errors));
    }
  }
}

}  // namespace churnwatch::core
