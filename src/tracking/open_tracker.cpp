#include "tracking/open_tracker.hpp"

#include "core/errors.hpp"
#include "tracking/file_tracker.hpp"
#include "tracking/mlflow_text.hpp"
#include "tracking/rest_tracker.hpp"

namespace churnwatch::tracking {

std::unique_ptr<Tracker> open_tracker(const std::string& tracking_uri,
                                      const std::filesystem::path& default_root) {
  if (tracking_uri.empty()) return std::make_unique<FileTracker>(default_root);
  if (tracking_uri.starts_with("http://") || tracking_uri.starts_with("https://"))
    return std::make_unique<RestTracker>(rest_options_from_env(tracking_uri));
  if (auto path = path_from_file_uri(tracking_uri)) return std::make_unique<FileTracker>(*path);
  bool databricks = tracking_uri == "databricks" || tracking_uri.starts_with("databricks:");
  if (!databricks && tracking_uri.find(':') == std::string::npos)
    return std::make_unique<FileTracker>(tracking_uri);
  throw core::Invalid("MLFLOW_TRACKING_URI '" + tracking_uri +
                          "' is not supported; use an http(s):// server URL or a file: folder",
                      {{"MLFLOW_TRACKING_URI", "must be http(s)://host:port or file:///path"}});
}

}  // namespace churnwatch::tracking
