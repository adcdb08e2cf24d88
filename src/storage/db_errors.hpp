// Turning database failures into churnwatch's typed errors. User-facing
// messages name what was being done and the kind of failure, never SQL text;
// the driver's full message goes to the log.
#pragma once

#include <string_view>

namespace churnwatch::storage {

// Call inside a catch block: rethrows the current exception as core::Conflict
// (constraint violated) or core::Unavailable (cannot open, I/O, busy, any other
// database failure). core::Error and non-database exceptions pass unchanged.
[[noreturn]] void rethrow_as_store_error(std::string_view action);

// Same mapping for a result code of the native SQLite API.
[[noreturn]] void throw_sqlite_error(int code, std::string_view action, std::string_view detail);

}  // namespace churnwatch::storage
