// churnwatch user create|list|set-password|set-role|deactivate
#include <cstdlib>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/runtime.hpp"
#include "core/errors.hpp"
#include "services/accounts.hpp"
#include "services/audit.hpp"

namespace churnwatch::cli {
namespace {

struct UserArgs {
  std::string username, password, role = "viewer";
};

template <typename Fn>
int with_accounts(const core::Config& config, Fn fn) {
  auto store = open_runtime_store(config);
  services::TokenSigner signer(load_jwt_secret(config), config.access_token_ttl_seconds);
  services::Accounts accounts(*store, signer, config.refresh_token_ttl_seconds);
  return fn(*store, accounts);
}

// Changes made from the command line go into the audit log too, with the
// operating-system user as the actor and no address.
void audit_cli(storage::Store& store, std::string_view action, const storage::User& target) {
  const char* os_user = std::getenv("USER");
  services::Audit(store).record({0, std::string("cli:") + (os_user ? os_user : "unknown"), ""}, action,
                                "user:" + std::to_string(target.id), {{"username", target.username}});
}

storage::User find(storage::Store& store, const std::string& username) {
  auto u = store.find_user(username);
  if (!u) throw core::NotFound("no user named '" + username + "'");
  return *u;
}

}  // namespace

void add_user_command(CLI::App& app, core::Config& config, Action& action) {
  auto* user = app.add_subcommand("user", "Manage user accounts");
  user->require_subcommand(1);
  auto args = std::make_shared<UserArgs>();

  auto* create = user->add_subcommand("create", "Create a user");
  add_store_options(*create, config);
  create->add_option("--username", args->username, "3-64 of letters, digits, . _ @ -")->required();
  create->add_option("--password", args->password, "at least 10 characters")->required();
  create->add_option("--role", args->role, "admin, analyst or viewer")->capture_default_str();
  create->callback([&config, &action, args] {
    action = [&config, args] {
      return with_accounts(config, [&](storage::Store& store, services::Accounts& accounts) {
        auto u = accounts.create_user(args->username, args->password, args->role);
        audit_cli(store, "users.create", u);
        std::cout << "created user '" << u.username << "' (id " << u.id << ", role " << u.role << ")\n";
        return 0;
      });
    };
  });

  auto* list = user->add_subcommand("list", "List users");
  add_store_options(*list, config);
  list->callback([&config, &action] {
    action = [&config] {
      return with_accounts(config, [&](storage::Store&, services::Accounts& accounts) {
        for (const auto& u : accounts.list_users())
          std::cout << u.id << '\t' << u.username << '\t' << u.role << '\t' << (u.active ? "active" : "inactive") << '\n';
        return 0;
      });
    };
  });

  auto* set_password = user->add_subcommand("set-password", "Set a user's password");
  add_store_options(*set_password, config);
  set_password->add_option("--username", args->username)->required();
  set_password->add_option("--password", args->password)->required();
  set_password->callback([&config, &action, args] {
    action = [&config, args] {
      return with_accounts(config, [&](storage::Store& store, services::Accounts& accounts) {
        services::UserChange change;
        change.password = args->password;
        audit_cli(store, "users.password", accounts.update_user(find(store, args->username).id, change));
        std::cout << "password changed for '" << args->username << "'\n";
        return 0;
      });
    };
  });

  auto* set_role = user->add_subcommand("set-role", "Change a user's role");
  add_store_options(*set_role, config);
  set_role->add_option("--username", args->username)->required();
  set_role->add_option("--role", args->role)->required();
  set_role->callback([&config, &action, args] {
    action = [&config, args] {
      return with_accounts(config, [&](storage::Store& store, services::Accounts& accounts) {
        services::UserChange change;
        change.role = args->role;
        audit_cli(store, "users.role", accounts.update_user(find(store, args->username).id, change));
        std::cout << "'" << args->username << "' is now " << args->role << '\n';
        return 0;
      });
    };
  });
}

void add_migrate_command(CLI::App& app, core::Config& config, Action& action) {
  auto* migrate = app.add_subcommand("migrate", "Create or upgrade the database schema, then exit");
  add_store_options(*migrate, config);
  migrate->callback([&config, &action] {
    action = [&config] {
      auto store = open_runtime_store(config);  // opening applies pending migrations
      store->ping();
      std::cout << "database is up to date: " << config.store_url() << '\n';
      return 0;
    };
  });
}

}  // namespace churnwatch::cli
