#pragma once

#include <functional>
#include <string_view>

namespace churnwatch::services {

// Reports progress of a long operation: fraction done in [0, 1] and a short
// message ("imported 120000 rows"). Jobs store it; the CLI draws a bar.
using ProgressFn = std::function<void(double fraction, std::string_view message)>;

}  // namespace churnwatch::services
