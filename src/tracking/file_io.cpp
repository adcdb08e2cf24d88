#include "tracking/file_io.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/errors.hpp"
#include "core/random.hpp"

namespace churnwatch::tracking {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void io_error(const std::string& what, const fs::path& path) {
  throw core::Unavailable(what + " " + path.string() + ": " + std::strerror(errno));
}

void write_all(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
      errno = saved;
      io_error("cannot write", path);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// A new file beside `path` holding `content`; the caller renames or links it.
fs::path write_temp(const fs::path& path, std::string_view content) {
  fs::create_directories(path.parent_path());
  fs::path temp = path.parent_path() / ("." + path.filename().string() + ".tmp-" + core::random_hex(6));
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) io_error("cannot create", temp);
  write_all(fd, content, temp);
  if (::close(fd) != 0) io_error("cannot close", temp);
  return temp;
}

}  // namespace

void write_file_atomic(const fs::path& path, std::string_view content) {
  fs::path temp = write_temp(path, content);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int saved = errno;
    ::unlink(temp.c_str());
    errno = saved;
    io_error("cannot replace", path);
  }
}

bool create_file_once(const fs::path& path, std::string_view content) {
  fs::path temp = write_temp(path, content);
  int rc = ::link(temp.c_str(), path.c_str());
  int saved = errno;
  ::unlink(temp.c_str());
  if (rc == 0) return true;
  if (saved == EEXIST) return false;
  errno = saved;
  io_error("cannot create", path);
}

void append_line(const fs::path& path, std::string_view line) {
  fs::create_directories(path.parent_path());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) io_error("cannot open", path);
  write_all(fd, line, path);
  if (::close(fd) != 0) io_error("cannot close", path);
}

std::optional<std::string> read_file(const fs::path& path) {
  // One open(2) decides: a file that is absent now is absent, whatever
  // appears a moment later. (Asking "does it exist?" after a failed open
  // raced with another process creating the file: the open had failed, the
  // check then found the file, and the read was reported as an I/O error.)
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    io_error("cannot open", path);
  }
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
      errno = saved;
      io_error("cannot read", path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

void copy_file_atomic(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  if (!fs::is_regular_file(from, ec))
    throw core::NotFound("no file to log as an artifact at " + from.string());
  fs::create_directories(to.parent_path());
  fs::path temp = to.parent_path() / ("." + to.filename().string() + ".tmp-" + core::random_hex(6));
  fs::copy_file(from, temp, ec);  // streams; a model file need not fit in memory
  if (ec) throw core::Unavailable("cannot copy " + from.string() + " to " + temp.string() + ": " + ec.message());
  if (::rename(temp.c_str(), to.c_str()) != 0) {
    int saved = errno;
    ::unlink(temp.c_str());
    errno = saved;
    io_error("cannot replace", to);
  }
}

FileLock::FileLock(const fs::path& path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) io_error("cannot open lock file", path);
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    int saved = errno;
    ::close(fd_);
    errno = saved;
    io_error("cannot lock", path);
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace churnwatch::tracking
