// A customer as churnwatch keeps it: the attributes of the dataset schema as a
// JSON object, with the id, display name and label pulled out for indexing.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace churnwatch::core {

struct Customer {
  std::int64_t row_id = 0;     // internal key; never shown to users
  std::string external_id;     // the value of the schema's id attribute
  std::string display_name;    // the value of the display attribute, or ""
  std::optional<int> label;    // 1 churned, 0 stayed, nullopt unknown
  nlohmann::json attributes = nlohmann::json::object();  // every schema attribute by name
  std::string created_at;      // ISO 8601 UTC
  std::string updated_at;
  // Lifecycle. A customer whose label says churned has departed; one whose
  // label says stayed, or is unknown, is active (see departed()).
  // departed_at: when a departed customer left, ISO 8601 UTC; "" while
  // active. On writes it carries the value of the schema's departure_date
  // attribute ("" when the schema has none or the cell is empty: the store
  // then dates the departure when it first sees the churned label).
  std::string departed_at;
  // When the store first saw the churned label (read only; "" while active,
  // and for customers that had departed before churnwatch kept this).
  std::string departure_known_at;
  // The current churn risk when the customer has been scored, else nullopt:
  // {probability, risk_level, change, relative_change, model_version,
  // scored_at} (change and relative_change null when there was no earlier
  // score). Filled by the store's reads; ignored by its writes.
  std::optional<nlohmann::json> risk;

  bool departed() const { return label && *label == 1; }
};

// "active" or "departed".
std::string_view status_name(const Customer& c);

}  // namespace churnwatch::core

#include "core/schema.hpp"

namespace churnwatch::core {

// Builds a customer from typed attribute values (already checked against
// `schema`): pulls out the id, display name and label. Throws Invalid when
// the id attribute is missing or empty.
Customer customer_from_attributes(const DatasetSchema& schema, nlohmann::json attributes);

// The customer as the API shows it ("risk" is null when never scored; for a
// departed customer it is the last score made before the departure).
nlohmann::json customer_to_json(const Customer& c);

}  // namespace churnwatch::core
