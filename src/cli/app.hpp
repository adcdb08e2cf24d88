// The `churnwatch` command line: parses arguments and dispatches to one
// subcommand. Returns the process exit code (0 ok, 1 failure, 2 usage).
#pragma once

namespace churnwatch::cli {

int run(int argc, char** argv);

}  // namespace churnwatch::cli
