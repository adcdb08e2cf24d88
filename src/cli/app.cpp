#include "cli/app.hpp"

#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/commands.hpp"
#include "cli/runtime.hpp"
#include "core/errors.hpp"

namespace churnwatch::cli {
namespace {

void print_error(const core::Error& e) {
  std::cerr << "error: " << e.what() << '\n';
  for (const auto& fe : e.errors()) {
    std::cerr << "  ";
    if (fe.line) std::cerr << "line " << *fe.line << (fe.column ? ", column " + std::to_string(*fe.column) : "") << ": ";
    if (!fe.field.empty()) std::cerr << fe.field << ": ";
    std::cerr << fe.message << '\n';
  }
}

}  // namespace

void add_store_options(CLI::App& cmd, core::Config& config) {
  cmd.add_option("--data-dir", config.data_dir, "Data folder (env CHURNWATCH_DATA_DIR)")->capture_default_str();
  cmd.add_option("--database-url", config.database_url,
                 "Database URL; default SQLite in the data folder (env CHURNWATCH_DATABASE_URL)");
  cmd.add_option("--database-replica-url", config.database_replica_url,
                 "PostgreSQL read replica for lists, exports and summaries (env "
                 "CHURNWATCH_DATABASE_REPLICA_URL)");
}

int run(int argc, char** argv) {
  core::Config config;
  try {
    config = core::config_from_env();
  } catch (const core::Error& e) {
    print_error(e);
    return 2;
  }
  CLI::App app{"churnwatch: customer churn risk — train, score, explain, monitor, alert"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "churnwatch 0.1.0");
  Action action;
  add_serve_command(app, config, action);
  add_worker_command(app, config, action);
  add_user_command(app, config, action);
  add_data_commands(app, config, action);
  add_migrate_command(app, config, action);
  add_model_commands(app, config, action);
  add_monitor_command(app, config, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    init_logging(config.log_level);
    return action ? action() : 0;
  } catch (const core::Error& e) {
    print_error(e);
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 1;
  }
}

}  // namespace churnwatch::cli
