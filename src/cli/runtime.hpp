// Start-up shared by the subcommands: configuration, the data folder, the
// store and the token signer — chosen once here from the configuration.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/schema.hpp"
#include "services/tokens.hpp"
#include "storage/store.hpp"

namespace churnwatch::cli {

// Creates the data folder (0700) when missing and opens the store.
std::unique_ptr<storage::Store> open_runtime_store(const core::Config &config);

// The JWT secret from the configuration, or the one kept in
// <data_dir>/jwt.secret, created (0600) on first use.
std::string load_jwt_secret(const core::Config &config);

void init_logging(const std::string &level);

// The customer selection named by repeated --filter options, each
// NAME=VALUE or NAME[op]=VALUE as the list API's query string takes them.
// Throws Invalid naming the option that is not of that form.
storage::CustomerQuery filter_query(const core::DatasetSchema &schema,
                                    const std::vector<std::string> &filters);

} // namespace churnwatch::cli
