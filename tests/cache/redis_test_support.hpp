// Redis for tests: the shared server from scripts/test-services.sh
// (CHURNWATCH_TEST_REDIS_URL) and, for tests that stop or restart Redis, a
// private redis-server child process on a free loopback port.
#pragma once

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cache/redis_client.hpp"

namespace churnwatch::testing {

inline constexpr const char* kNoRedis =
    "CHURNWATCH_TEST_REDIS_URL is not set; start Redis with "
    "eval \"$(scripts/test-services.sh start)\" to run this test";

// The shared test server's URL, or empty.
inline std::string test_redis_url() {
  const char* url = std::getenv("CHURNWATCH_TEST_REDIS_URL");
  return url ? url : "";
}

// A fresh key prefix, so tests sharing one server never see each other's keys.
inline std::string unique_prefix(const std::string& what) {
  std::random_device rd;
  return "cwtest:" + what + ":" + std::to_string(rd()) + std::to_string(rd()) + ":";
}

inline int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// A redis-server of our own that a test may stop and start again (same port,
// empty data each time). available() is false when redis-server is not
// installed; tests then skip.
class PrivateRedis {
 public:
  explicit PrivateRedis(std::vector<std::string> extra_args = {})
      : port_(free_loopback_port()), extra_(std::move(extra_args)) {
    dir_ = std::filesystem::temp_directory_path() / ("cw-redis-" + std::to_string(port_));
    std::filesystem::create_directories(dir_);
  }
  ~PrivateRedis() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  static bool available() { return std::system("command -v redis-server >/dev/null 2>&1") == 0; }

  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

  // Starts the server and waits (generously) until it answers.
  void start() {
    std::vector<std::string> args{"redis-server",
                                  "--port",
                                  std::to_string(port_),
                                  "--bind",
                                  "127.0.0.1",
                                  "--save",
                                  "",
                                  "--appendonly",
                                  "no",
                                  "--dir",
                                  dir_.string(),
                                  "--logfile",
                                  (dir_ / "redis.log").string()};
    args.insert(args.end(), extra_.begin(), extra_.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execvp("redis-server", argv.data());
      ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        cache::RedisOptions o;
        o.port = port_;
        cache::RedisConnection probe(o);
        return;  // accepting connections (a password may still be required)
      } catch (const core::Error&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    FAIL() << "redis-server did not start on port " << port_;
  }

  // Stops the server (SIGKILL: like a crash, nothing is saved).
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  int port_;
  std::vector<std::string> extra_;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
};

}  // namespace churnwatch::testing
