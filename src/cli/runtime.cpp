#include "cli/runtime.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "core/errors.hpp"
#include "core/random.hpp"
#include "services/customers.hpp"

namespace churnwatch::cli {

namespace fs = std::filesystem;

std::unique_ptr<storage::Store> open_runtime_store(const core::Config &config) {
  std::error_code ec;
  fs::create_directories(config.data_dir, ec);
  if (ec)
    throw core::Unavailable("cannot create data folder '" + config.data_dir +
                            "': " + ec.message());
  fs::permissions(config.data_dir, fs::perms::owner_all,
                  fs::perm_options::replace, ec);
  return storage::open_store(config.store_url(), config.database_replica_url);
}

std::string load_jwt_secret(const core::Config &config) {
  if (!config.jwt_secret.empty())
    return config.jwt_secret;
  const fs::path path = fs::path(config.data_dir) / "jwt.secret";
  std::string secret;
  if (std::ifstream in(path); in)
    std::getline(in, secret);
  if (secret.size() >= 32)
    return secret;
  secret = core::random_hex(32);
  const auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out)
      throw core::Unavailable("cannot write " + tmp);
    ::chmod(tmp.c_str(), 0600);
    out << secret << '\n';
  }
  fs::rename(tmp, path);
  return secret;
}

void init_logging(const std::string &level) {
  spdlog::set_pattern(
      "%v"); // messages are JSON objects or plain lines; no decoration
  spdlog::set_level(spdlog::level::from_str(level));
}

storage::CustomerQuery filter_query(const core::DatasetSchema &schema,
                                    const std::vector<std::string> &filters) {
  services::QueryParams params;
  for (const auto &f : filters) {
    auto eq = f.find('=');
    if (eq == std::string::npos)
      throw core::Invalid("--filter takes NAME=VALUE or NAME[op]=VALUE, got '" +
                          f + "'");
    params.emplace_back(f.substr(0, eq), f.substr(eq + 1));
  }
  return services::parse_customer_query(schema, params, false);
}

} // namespace churnwatch::cli
