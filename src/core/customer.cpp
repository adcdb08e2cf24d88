#include "core/customer.hpp"

#include "core/errors.hpp"
#include "core/values.hpp"

namespace churnwatch::core {

Customer customer_from_attributes(const DatasetSchema& schema, nlohmann::json attributes) {
  Customer c;
  const auto& id_attr = schema.id_attribute();
  auto id = attributes.find(id_attr.name);
  if (id == attributes.end() || id->is_null() || (id->is_string() && id->get_ref<const std::string&>().empty()))
    throw Invalid("the customer has no " + id_attr.name, {{id_attr.name, "the id attribute is required"}});
  c.external_id = format_cell(id_attr, *id);
  if (const auto* d = schema.display_attribute()) {
    auto it = attributes.find(d->name);
    if (it != attributes.end() && !it->is_null()) c.display_name = format_cell(*d, *it);
  }
  if (const auto* l = schema.label_attribute()) {
    auto it = attributes.find(l->name);
    if (it != attributes.end() && it->is_boolean()) c.label = it->get<bool>() ? 1 : 0;
  }
  if (const auto* d = schema.departure_attribute(); d && c.departed()) {
    auto it = attributes.find(d->name);
    if (it != attributes.end() && it->is_string() && !it->get_ref<const std::string&>().empty())
      c.departed_at = it->get<std::string>() + "T00:00:00.000Z";
  }
  c.attributes = std::move(attributes);
  return c;
}

std::string_view status_name(const Customer& c) { return c.departed() ? "departed" : "active"; }

nlohmann::json customer_to_json(const Customer& c) {
  return {{"id", c.external_id},
          {"display_name", c.display_name},
          {"label", c.label ? nlohmann::json(*c.label) : nlohmann::json(nullptr)},
          {"attributes", c.attributes},
          {"created_at", c.created_at},
          {"updated_at", c.updated_at},
          {"status", status_name(c)},
          {"departed_at", c.departed_at.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.departed_at)},
          {"risk", c.risk ? *c.risk : nlohmann::json(nullptr)}};
}

}  // namespace churnwatch::core
