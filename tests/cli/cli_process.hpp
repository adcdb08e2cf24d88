// The churnwatch binary run as a child process, the way a user or an init
// system runs it: arguments, environment overrides, stdout and stderr into a
// log file. Used by the CLI tests that need the real program, not its
// libraries (exit codes, printed reports, processes killed mid-job).
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "queue/job_queue.hpp"

namespace churnwatch::test_support {

// Environment changes for the child: a value sets the variable, nullopt unsets it.
using CliEnv = std::vector<std::pair<std::string, std::optional<std::string>>>;

// Starts `churnwatch args...` with its output appended to `log`; returns its pid.
inline pid_t spawn_cli(const std::vector<std::string>& args, const std::filesystem::path& log,
                       const CliEnv& env = {}) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    for (const auto& [name, value] : env) {
      if (value)
        ::setenv(name.c_str(), value->c_str(), 1);
      else
        ::unsetenv(name.c_str());
    }
    if (FILE* f = std::freopen(log.c_str(), "a", stdout)) (void)f;
    ::dup2(STDOUT_FILENO, STDERR_FILENO);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(CHURNWATCH_BINARY));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(CHURNWATCH_BINARY, argv.data());
    std::_Exit(127);
  }
  return pid;
}

// The number printed right after `pattern` (a regex) in `text`; -1 when none.
inline std::int64_t number_after(const std::string& text, const std::string& pattern) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(pattern + " ([0-9]+)"))) return -1;
  return std::stoll(m[1]);
}

struct CliResult {
  int exit_code = -1;  // -1: killed by a signal or by the time limit
  std::string output;  // stdout and stderr, interleaved as written
};

// Runs `churnwatch args...` to its end (killing it after `limit`) and returns
// its exit code and everything it printed.
inline CliResult run_cli(const std::vector<std::string>& args, const std::filesystem::path& log,
                         const CliEnv& env = {}, std::chrono::seconds limit = std::chrono::seconds(300)) {
  std::filesystem::remove(log);
  const pid_t pid = spawn_cli(args, log, env);
  const auto until = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > until) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CliResult r;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  std::ifstream in(log);
  std::ostringstream text;
  text << in.rdbuf();
  r.output = text.str();
  return r;
}

// Starts `churnwatch worker --threads 1` on `dir` with 1-second job leases (so
// a killed worker's job is taken again soon), logging to dir/worker.log.
inline pid_t spawn_worker(const std::filesystem::path& dir, CliEnv env = {}) {
  env.insert(env.begin(), {{"CHURNWATCH_JOB_LEASE_SECONDS", "1"},
                           {"CHURNWATCH_LOG_LEVEL", "warn"},
                           {"MLFLOW_TRACKING_URI", std::nullopt}});
  return spawn_cli({"worker", "--data-dir", dir.string(), "--threads", "1"}, dir / "worker.log", env);
}

// SIGKILLs `pid` (when it is one) and reaps it; leaves -1 behind.
inline void kill_and_reap(pid_t& pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  pid = -1;
}

// Polls job `id` until `done` holds for it or `limit` passes; returns its last state.
template <typename Pred>
queue::Job wait_for_job(queue::JobQueue& q, const std::string& id, Pred done, std::chrono::seconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  queue::Job job = *q.get(id);
  while (!done(job) && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    job = *q.get(id);
  }
  return job;
}

}  // namespace churnwatch::test_support
