// The dataset schema: what the customer attributes are, how each is typed and
// what role it plays. Every customer table is described by one; nothing in
// churnwatch knows any particular table's columns.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace churnwatch::core {

enum class AttrType { kNumber, kInteger, kBoolean, kCategory, kText, kDate };
// kDeparture: an optional date attribute saying when a departed customer
// left (see Customer::departed_at); it is not a model feature.
enum class Role { kId, kLabel, kFeature, kDisplay, kIgnored, kDeparture };

std::string_view to_string(AttrType t);
std::string_view to_string(Role r);
// Throws Invalid naming the allowed values when `s` is not one of them.
AttrType parse_attr_type(std::string_view s);
Role parse_role(std::string_view s);

struct Attribute {
  std::string name;
  AttrType type = AttrType::kText;
  Role role = Role::kFeature;
  // Allowed values of a category attribute, in first-seen order.
  std::vector<std::string> categories;
  // How a boolean is spelled in files ("1"/"0", "yes"/"no", "true"/"false");
  // used on export so a file round-trips as it came.
  std::string true_text = "true";
  std::string false_text = "false";
};

struct DatasetSchema {
  int version = 0;  // 0 until stored; the store assigns 1, 2, ...
  std::vector<Attribute> attributes;

  const Attribute* find(std::string_view name) const;
  // The attribute with role id (exactly one in a valid schema).
  const Attribute& id_attribute() const;
  const Attribute* label_attribute() const;
  const Attribute* display_attribute() const;
  // The date attribute with role departure_date, if any.
  const Attribute* departure_attribute() const;
  // Attributes with role feature, in schema order.
  std::vector<const Attribute*> features() const;

  // Throws Invalid listing every problem: duplicate names, not exactly one
  // id, more than one label or display, a category attribute with no
  // categories, a label that is not boolean or integer 0/1, a departure
  // date that is not a date or more than one of them.
  void validate() const;
};

void to_json(nlohmann::json& j, const Attribute& a);
void from_json(const nlohmann::json& j, Attribute& a);
void to_json(nlohmann::json& j, const DatasetSchema& s);
void from_json(const nlohmann::json& j, DatasetSchema& s);

}  // namespace churnwatch::core
