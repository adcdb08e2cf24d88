// Serves the built web UI from a folder: content types, cache policy for
// hashed assets, precompressed .gz variants and the single-page-app fallback.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace churnwatch::http {

class StaticFiles {
 public:
  // `root` may not exist yet; then every lookup answers 404.
  explicit StaticFiles(std::string root);

  // Answers a GET or HEAD for a non-API path. Files under /assets/ are
  // immutable (their names carry a content hash); index.html must be
  // revalidated. A path without a file extension that names no file gets
  // index.html so that client-side routes survive a reload; a missing file
  // with an extension gets 404. Paths with ".." segments or resolving outside
  // the root get 404. The server drops the body of HEAD responses.
  Response serve(const Request& req) const;

 private:
  std::filesystem::path root_;
};

// The Content-Type for a file name by its extension.
std::string_view content_type_for(std::string_view filename);

}  // namespace churnwatch::http
