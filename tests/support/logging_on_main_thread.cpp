// Linked into every test program. `churnwatch` sets up logging in main before
// it starts a thread (cli/runtime.cpp, init_logging); test programs have no
// such step, so spdlog's registry (a function-local static inside
// libspdlog.so) would be built by whichever thread logs first, often a worker
// or server thread. C++ makes that safe, but libspdlog.so is not built with
// ThreadSanitizer, which then cannot see the hand-over and reports the next
// thread's first log call as a race. Building it here, during static
// initialisation on the main thread, orders it before every thread as in the
// real program.
#include <spdlog/spdlog.h>

namespace {

[[maybe_unused]] const auto* const kDefaultLogger = spdlog::default_logger_raw();

}  // namespace
