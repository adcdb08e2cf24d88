// Customer use cases: list with filters, read, create, change, delete, bulk
// changes — every value checked against the dataset schema.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/customer.hpp"
#include "core/errors.hpp"
#include "core/schema.hpp"
#include "storage/store.hpp"

namespace churnwatch::services {

constexpr std::int64_t kMaxPageSize = 1000;
constexpr std::size_t kMaxBulkItems = 10000;

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Turns query parameters into a store query. Reserved names: limit (1..1000,
// default 50), offset, sort ("Age" ascending, "-Age" descending), q (search
// in id and display name). Every other parameter filters on the attribute it
// names: `Geography=France` (equal), `Age[gte]=40`, `Age[lt]=60`,
// `Geography[in]=France,Spain`, `Surname[contains]=son`, `Tenure[ne]=0`.
// Values are read as the attribute's type. Unless the schema has attributes
// of those names, `sort=risk` / `sort=-risk` sorts by current churn risk and
// `risk[gte]=0.7`, `risk[lt]=0.4`, `risk_level=high`,
// `risk_level[in]=high,very_high` filter on it (customers never scored are
// left out by any risk filter), and `status=active|departed|any` filters on
// the lifecycle. Throws Invalid naming each bad parameter.
storage::CustomerQuery parse_customer_query(const core::DatasetSchema& schema,
                                            const QueryParams& params, bool paginate = true);

// Checks an attributes object against the schema: unknown names, wrong types,
// unknown categories. Errors are named "<prefix><attribute>". Returns the
// values in canonical typed form.
nlohmann::json validate_attributes(const core::DatasetSchema& schema, const nlohmann::json& attrs,
                                   std::vector<core::FieldError>& errors,
                                   const std::string& prefix = "");

struct BulkResult {
  std::int64_t created = 0;
  std::int64_t updated = 0;
  std::int64_t deleted = 0;
};

class Customers {
 public:
  explicit Customers(storage::Store& store) : store_(store) {}

  // The current schema; throws Invalid when nothing was imported yet.
  core::DatasetSchema schema();

  storage::CustomerPage list(const storage::CustomerQuery& q) { return store_.list_customers(q); }
  // NotFound when no customer has that id.
  core::Customer get(std::string_view id);
  // `attributes` must include the id attribute. Conflict when the id exists.
  core::Customer create(const nlohmann::json& attributes);
  // Merges `attributes` into the stored ones; the id cannot change.
  core::Customer update(std::string_view id, const nlohmann::json& attributes);
  void remove(std::string_view id);
  // Body: {"create": [attrs...], "update": [{"id":..., "attributes": {...}}],
  // "delete": [id...]}; at most 10,000 items in all. All or nothing: any bad
  // item throws Invalid with every item's errors ("create[3].Age").
  BulkResult bulk(const nlohmann::json& body);

 private:
  storage::Store& store_;
};

}  // namespace churnwatch::services
