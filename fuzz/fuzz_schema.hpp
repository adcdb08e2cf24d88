// A dataset schema like the bank table's, shared by the fuzz targets that
// check values against a schema (JSON bodies, query filters).
#pragma once

#include "core/schema.hpp"

namespace churnwatch::fuzz {

inline const core::DatasetSchema &bank_schema() {
  static const core::DatasetSchema schema = [] {
    using core::AttrType;
    using core::Role;
    core::DatasetSchema s;
    s.version = 1;
    s.attributes = {
        {"CustomerId", AttrType::kText, Role::kId, {}},
        {"Surname", AttrType::kText, Role::kDisplay, {}},
        {"CreditScore", AttrType::kInteger, Role::kFeature, {}},
        {"Geography",
         AttrType::kCategory,
         Role::kFeature,
         {"France", "Spain", "Germany"}},
        {"Age", AttrType::kInteger, Role::kFeature, {}},
        {"Balance", AttrType::kNumber, Role::kFeature, {}},
        {"HasCrCard", AttrType::kBoolean, Role::kFeature, {}},
        {"Joined", AttrType::kDate, Role::kFeature, {}},
        {"Exited", AttrType::kBoolean, Role::kLabel, {}},
    };
    s.validate();
    return s;
  }();
  return schema;
}

} // namespace churnwatch::fuzz
