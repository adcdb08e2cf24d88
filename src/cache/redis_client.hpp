// A small RAII client for Redis over hiredis, shared by everything that talks
// to Redis (the cache, the Redis job queue, the rate limiter).
//
//   auto redis = cache::RedisClient(cache::parse_redis_url("redis://:pw@host:6379/2"));
//   redis.command({"SET", "k", "v"});
//   std::optional<std::string> v = redis.command({"GET", "k"}).as_optional_string();
//   std::vector<RedisReply> r = redis.pipeline({{"MULTI"}, {"INCR", "n"}, {"EXEC"}});
//
// Contract:
// - Every method may be called from any thread. The client keeps a small pool
//   of connections; a call borrows one for its duration, so concurrent calls
//   run on separate connections (at most RedisOptions::pool_size; more callers
//   wait up to command_timeout for one to come back, then get Unavailable).
// - Errors are core errors: a connection that cannot be made, is lost or times
//   out throws core::Unavailable (its text names the server, never the
//   password); an error reply from Redis throws RedisReplyError (also a
//   core::Unavailable, with the reply's code such as "NOSCRIPT" or "BUSYGROUP");
//   asking a reply for the wrong type (as_integer() on a string ...) throws
//   core::Unavailable naming both types, since it means the server holds
//   something other than what churnwatch wrote.
// - A failed connection is discarded with every idle one (they point at the
//   same server, which probably restarted); the next call connects afresh. So
//   after a Redis restart, calls in flight fail once and later calls work. A
//   command is never retried silently: it may have run before the connection
//   broke.
// - Commands are argument vectors (binary safe; nothing is interpolated), so
//   keys and values need no escaping.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"

struct redisContext;

namespace churnwatch::cache {

// Where and how to connect; parse_redis_url fills it from a URL.
struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string username;  // Redis 6 ACL user; empty: AUTH with the password only
  std::string password;  // empty: no AUTH
  int db = 0;            // SELECTed on every new connection
  std::chrono::milliseconds connect_timeout{2000};
  // Per command; also the longest wait for a free pooled connection.
  std::chrono::milliseconds command_timeout{5000};
  std::size_t pool_size = 8;  // connections kept at most
  // Starts every key churnwatch writes, so several deployments (or test
  // runs) can share one Redis database.
  std::string key_prefix = "churnwatch:";
};

// Parses redis://[[user]:password@]host[:port][/db] (user and password
// percent-decoded, IPv6 hosts in brackets, port 6379 and db 0 by default).
// Query parameters connect_timeout_ms, timeout_ms, pool_size and prefix
// override the defaults, e.g. redis://cache:6379/0?timeout_ms=500&prefix=eu:. Throws core::Invalid
// naming the URL part that is wrong (the password is never echoed). rediss://
// (TLS) is refused: hiredis 0.14 has no TLS.
RedisOptions parse_redis_url(const std::string& url);

// "host:port/db" for logs and errors; never contains the password.
std::string describe(const RedisOptions& options);

// An error reply from Redis. code() is its first word ("ERR", "NOSCRIPT",
// "BUSYGROUP", "WRONGTYPE", ...).
class RedisReplyError : public core::Unavailable {
 public:
  RedisReplyError(std::string code, std::string message);
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

// One reply, copied out of hiredis (replies here are small). Error replies
// never become a RedisReply: they are thrown as RedisReplyError.
struct RedisReply {
  enum class Type { kNil, kInteger, kString, kStatus, kArray };
  Type type = Type::kNil;
  long long integer = 0;
  std::string str;                   // kString and kStatus
  std::vector<RedisReply> elements;  // kArray

  bool is_nil() const { return type == Type::kNil; }
  // Each throws core::Unavailable when the reply has another type.
  long long as_integer() const;
  const std::string& as_string() const;                   // a bulk string or status
  std::optional<std::string> as_optional_string() const;  // nil -> nullopt
  const std::vector<RedisReply>& as_array() const;        // nil -> empty
};

// A command: its arguments, the first being the command name.
using RedisCommand = std::vector<std::string>;

// One connection; what RedisClient pools. Not thread-safe. Use it directly
// only for commands that must share a connection (WATCH ... EXEC);
// RedisClient::with_connection lends one.
class RedisConnection {
 public:
  // Connects, authenticates and selects the db. Throws core::Unavailable.
  explicit RedisConnection(const RedisOptions& options);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  RedisReply command(const RedisCommand& args);
  // Sends all commands, then reads all replies: one round trip. An error
  // reply to any of them throws RedisReplyError after all replies are read
  // (so the connection stays usable); MULTI/.../EXEC inside runs atomically.
  std::vector<RedisReply> pipeline(const std::vector<RedisCommand>& commands);

  // False once an I/O error or timeout happened; such a connection is closed.
  bool healthy() const { return ctx_ != nullptr; }

 private:
  [[noreturn]] void fail(const std::string& doing);
  void send(const RedisCommand& args);
  RedisReply read(std::optional<RedisReplyError>& error);

  RedisOptions options_;
  redisContext* ctx_ = nullptr;
};

// The pooled, thread-safe client. Connects lazily: constructing it never
// fails for a server that is down; the first command does.
class RedisClient {
 public:
  explicit RedisClient(RedisOptions options);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  const RedisOptions& options() const { return options_; }

  RedisReply command(const RedisCommand& args);
  RedisReply command(std::initializer_list<std::string_view> args);
  std::vector<RedisReply> pipeline(const std::vector<RedisCommand>& commands);
  // Runs `fn` with one connection held for its whole duration.
  void with_connection(const std::function<void(RedisConnection&)>& fn);

  // PING; true when the server answers. Never throws (for /readyz).
  bool ping() noexcept;

 private:
  class Lease;
  std::unique_ptr<RedisConnection> acquire();
  void give_back(std::unique_ptr<RedisConnection> conn);

  RedisOptions options_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<RedisConnection>> idle_;
  std::size_t open_ = 0;  // idle + lent out
};

// A Lua script run with EVALSHA, loaded on first use and again when Redis
// answers NOSCRIPT (after a restart or SCRIPT FLUSH).
class RedisScript {
 public:
  explicit RedisScript(std::string source) : source_(std::move(source)) {}
  // EVALSHA with `keys` and `args`; thread-safe.
  RedisReply run(RedisClient& client, const std::vector<std::string>& keys,
                 const std::vector<std::string>& args) const;

 private:
  std::string load(RedisClient& client) const;

  std::string source_;
  mutable std::mutex mutex_;
  mutable std::string sha1_;  // empty until loaded
};

}  // namespace churnwatch::cache
