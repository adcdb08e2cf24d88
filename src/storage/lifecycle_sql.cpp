#include "storage/lifecycle_sql.hpp"

namespace churnwatch::storage {

std::string insert_departure_sql(const std::string& label, const std::string& now,
                                 const std::string& departure) {
  return "CASE WHEN " + label + " = 1 THEN COALESCE(" + departure + ", " + now + ") END, CASE WHEN " + label +
         " = 1 THEN " + now + " END";
}

std::string update_departure_sql(const std::string& label, const std::string& now,
                                 const std::string& departure, const std::string& old) {
  const std::string was_departed = old + "label = 1";
  return "departed_at = CASE WHEN " + label + " = 1 THEN COALESCE(" + departure + ", CASE WHEN " +
         was_departed + " THEN " + old + "departed_at END, " + now +
         ") END, departure_known_at = CASE WHEN " + label + " = 1 THEN CASE WHEN " + was_departed + " THEN " +
         old + "departure_known_at ELSE " + now + " END END";
}

}  // namespace churnwatch::storage
