// A seeded generator of realistic bank customers with the same columns as the
// classic bank churn table and a plausible churn mechanism (age, activity,
// product count, balance, geography drive it), for demos, tests, benchmarks.
#pragma once

#include <cstdint>
#include <ostream>

namespace churnwatch::services {

// Writes a header and `rows` records as CSV. The same seed gives the same bytes.
void write_demo_csv(std::ostream& out, std::int64_t rows, std::uint64_t seed);

}  // namespace churnwatch::services
