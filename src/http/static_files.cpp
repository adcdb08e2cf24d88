#include "http/static_files.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <optional>
#include <system_error>

#include "http/problem.hpp"
#include "http/url.hpp"

namespace churnwatch::http {

namespace fs = std::filesystem;

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::optional<std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool is_regular(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

// True when `p` (resolved) lies inside `root` (resolved).
bool inside(const fs::path& root, const fs::path& p) {
  std::error_code ec;
  const auto resolved = fs::weakly_canonical(p, ec);
  if (ec) return false;
  auto r = root.begin();
  auto q = resolved.begin();
  for (; r != root.end(); ++r, ++q) {
    if (q == resolved.end() || *r != *q) return false;
  }
  return true;
}

// Whether the client accepts gzip (a q=0 refusal counts as no).
bool accepts_gzip(std::string_view accept_encoding) {
  std::size_t pos = 0;
  while (pos < accept_encoding.size()) {
    auto comma = accept_encoding.find(',', pos);
    if (comma == std::string_view::npos) comma = accept_encoding.size();
    std::string_view item = accept_encoding.substr(pos, comma - pos);
    pos = comma + 1;
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    const auto semi = item.find(';');
    std::string_view coding = item.substr(0, semi);
    while (!coding.empty() && coding.back() == ' ') coding.remove_suffix(1);
    if (coding != "gzip" && coding != "*") continue;
    if (semi != std::string_view::npos) {
      std::string_view params = item.substr(semi + 1);
      params.remove_prefix(std::min(params.find_first_not_of(' '), params.size()));
      if (params.rfind("q=0", 0) == 0 && params.find_first_of("123456789", 3) == std::string_view::npos)
        return false;
    }
    return true;
  }
  return false;
}

Response not_found(std::string_view path) {
  return problem(404, "not-found", "Not found", "no such file: " + std::string(path));
}

}  // namespace

std::string_view content_type_for(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".json", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".woff2", "font/woff2"},
      {".map", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
      {".jpg", "image/jpeg"},
      {".webp", "image/webp"},
  }};
  for (const auto& [ext, type] : kTypes) {
    if (ends_with(name, ext)) return type;
  }
  return "application/octet-stream";
}

StaticFiles::StaticFiles(std::string root) {
  std::error_code ec;
  root_ = fs::weakly_canonical(fs::path(std::move(root)), ec);
}

Response StaticFiles::serve(const Request& req) const {
  const auto& path = req.path;
  const auto segments = split_path(path);
  for (auto s : segments) {
    if (s == ".." || s == "." || s.find('\\') != std::string_view::npos) return not_found(path);
  }

  fs::path file = root_;
  for (auto s : segments) file /= std::string(s);
  bool is_index = false;
  if (segments.empty() || fs::is_directory(file)) {
    file /= "index.html";
    is_index = true;
  }
  if (!is_regular(file) || !inside(root_, file)) {
    const std::string_view last = segments.empty() ? std::string_view{} : segments.back();
    if (last.find('.') != std::string_view::npos) return not_found(path);
    file = root_ / "index.html";  // client-side route
    is_index = true;
    if (!is_regular(file)) return not_found(path);
  }

  Response res;
  res.status = 200;
  res.content_type = std::string(content_type_for(file.filename().string()));
  const bool immutable = path.rfind("/assets/", 0) == 0 && !is_index;
  res.set_header("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");

  fs::path source = file;
  fs::path gz = file;
  gz += ".gz";
  if (is_regular(gz) && inside(root_, gz)) {
    res.set_header("Vary", "Accept-Encoding");
    if (accepts_gzip(req.header("accept-encoding"))) {
      source = gz;
      res.set_header("Content-Encoding", "gzip");
    }
  }
  auto body = read_file(source);
  if (!body) return not_found(path);
  res.body = std::move(*body);
  return res;
}

}  // namespace churnwatch::http
