#include "services/schema_service.hpp"

#include "core/customer.hpp"
#include "core/errors.hpp"
#include "core/values.hpp"
#include "services/schema_inference.hpp"

namespace churnwatch::services {

core::DatasetSchema SchemaService::current() {
  auto s = store_.current_schema();
  if (!s) throw core::NotFound("no dataset schema yet: import a customer table first");
  return *s;
}

core::DatasetSchema SchemaService::preview(std::istream& csv) {
  auto s = infer_schema_from_csv(csv);
  s.version = 0;
  return s;
}

core::DatasetSchema SchemaService::replace(core::DatasetSchema next) {
  next.validate();
  auto writer = store_.begin_write(storage::WriteMode::kUpsert);
  auto previous = store_.current_schema();
  if (previous && store_.count_customers() > 0 &&
      previous->id_attribute().name != next.id_attribute().name)
    throw core::Invalid("the id attribute cannot change while customers are stored",
                        {{"attributes", "keep '" + previous->id_attribute().name +
                                            "' as the id, or re-import with mode=replace"}});
  std::vector<core::FieldError> errors;
  if (previous) {
    std::vector<core::Customer> changed;
    storage::CustomerQuery all;
    all.limit = 0;
    store_.for_each_customer(all, [&](const core::Customer& c) {
      nlohmann::json values = nlohmann::json::object();
      for (const auto& attr : next.attributes) {
        auto it = c.attributes.find(attr.name);
        if (it == c.attributes.end()) continue;
        // Re-read each value through its text form under the new type.
        const auto* old_attr = previous->find(attr.name);
        std::string text = old_attr ? core::format_cell(*old_attr, *it) : it->dump();
        std::string error;
        auto v = core::parse_cell(attr, text, error);
        if (!v) {
          if (errors.size() < 100) errors.push_back({"customer " + c.external_id + "." + attr.name, error});
          continue;
        }
        values[attr.name] = std::move(*v);
      }
      if (errors.empty()) changed.push_back(core::customer_from_attributes(next, std::move(values)));
    });
    if (!errors.empty())
      throw core::Invalid("stored customers do not fit the new schema; nothing changed", std::move(errors));
    for (const auto& c : changed) writer->put(c);
  }
  auto stored = writer->save_schema(std::move(next));
  writer->commit();
  return stored;
}

}  // namespace churnwatch::services
