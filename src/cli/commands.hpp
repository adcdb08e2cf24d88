// Each subcommand registers its options on the CLI11 app and, when chosen,
// sets `action` to the function that runs it (returning the exit code).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "core/config.hpp"

namespace churnwatch::cli {

using Action = std::function<int()>;

void add_serve_command(CLI::App& app, core::Config& config, Action& action);
void add_worker_command(CLI::App& app, core::Config& config, Action& action);
void add_user_command(CLI::App& app, core::Config& config, Action& action);
void add_data_commands(CLI::App& app, core::Config& config, Action& action);
void add_migrate_command(CLI::App& app, core::Config& config, Action& action);
void add_model_commands(CLI::App& app, core::Config& config, Action& action);
void add_monitor_command(CLI::App& app, core::Config& config, Action& action);

// Adds --data-dir, --database-url and --database-replica-url, shared by every
// command that opens the store.
void add_store_options(CLI::App& cmd, core::Config& config);

}  // namespace churnwatch::cli
