// Reading, previewing and changing the dataset schema.
#pragma once

#include <istream>
#include <optional>

#include "core/schema.hpp"
#include "storage/store.hpp"

namespace churnwatch::services {

class SchemaService {
 public:
  explicit SchemaService(storage::Store& store) : store_(store) {}

  // NotFound before the first import.
  core::DatasetSchema current();
  // A proposal from a CSV sample; nothing is stored.
  core::DatasetSchema preview(std::istream& csv);
  // Validates `next` and stores it as a new version. Stored customers are
  // re-read under the new types in the same transaction; any that no longer
  // fit make it fail with Invalid naming the customer and attribute, and
  // nothing changes. The id attribute of a populated dataset cannot move.
  core::DatasetSchema replace(core::DatasetSchema next);

 private:
  storage::Store& store_;
};

}  // namespace churnwatch::services
