// File operations that stay correct when several processes write the same
// mlruns folder: whole files appear atomically (temp file + rename), a file
// can be created exactly once (link), and metric lines are appended with one
// O_APPEND write each, so concurrent appends never interleave within a line.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace churnwatch::tracking {

// Replaces `path` with `content` atomically (readers see old or new, whole).
void write_file_atomic(const std::filesystem::path& path, std::string_view content);
// Creates `path` holding `content` unless it exists; returns false (and
// writes nothing) when it already existed.
bool create_file_once(const std::filesystem::path& path, std::string_view content);
// Appends `line` (which should end in '\n') with a single write.
void append_line(const std::filesystem::path& path, std::string_view line);
// The whole file, or nullopt when it does not exist.
std::optional<std::string> read_file(const std::filesystem::path& path);
// Copies `from` to `to` atomically; throws NotFound when `from` is missing.
void copy_file_atomic(const std::filesystem::path& from, const std::filesystem::path& to);

// Holds an exclusive advisory lock (flock) on `path` for its lifetime,
// creating the file when needed. Each lock opens its own file description,
// so it serialises threads of one process as well as processes.
class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace churnwatch::tracking
