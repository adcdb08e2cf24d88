// hiredis behind RedisClient: URL parsing, connections, the pool, scripts.
#include "cache/redis_client.hpp"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>
#include <sys/time.h>

#include <cctype>
#include <charconv>

namespace churnwatch::cache {

namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

std::string percent_decode(std::string_view in, const std::string& url_part) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    int value = 0;
    if (i + 2 >= in.size() ||
        std::from_chars(in.data() + i + 1, in.data() + i + 3, value, 16).ptr != in.data() + i + 3)
      throw core::Invalid("the Redis URL's " + url_part + " has a malformed %-escape");
    out += static_cast<char>(value);
    i += 2;
  }
  return out;
}

long parse_number(std::string_view text, const std::string& what, long min, long max) {
  long value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value < min ||
      value > max)
    throw core::Invalid("the Redis URL's " + what + " '" + std::string(text) +
                        "' is not a number from " + std::to_string(min) + " to " +
                        std::to_string(max));
  return value;
}

const char* type_name(RedisReply::Type type) {
  switch (type) {
    case RedisReply::Type::kNil:
      return "nil";
    case RedisReply::Type::kInteger:
      return "an integer";
    case RedisReply::Type::kString:
      return "a string";
    case RedisReply::Type::kStatus:
      return "a status";
    case RedisReply::Type::kArray:
      return "an array";
  }
  return "?";
}

[[noreturn]] void wrong_type(RedisReply::Type got, const char* wanted) {
  throw core::Unavailable(std::string("Redis replied with ") + type_name(got) + " where " + wanted +
                          " was expected");
}

// Copies a hiredis reply; the first error reply found goes to `error`.
RedisReply convert(const redisReply* r, std::optional<RedisReplyError>& error) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i)
        out.elements.push_back(convert(r->element[i], error));
      break;
    case REDIS_REPLY_ERROR: {
      std::string message(r->str, r->len);
      if (!error) error.emplace(message.substr(0, message.find(' ')), message);
      break;
    }
    default:  // REDIS_REPLY_NIL
      break;
  }
  return out;
}

}  // namespace

RedisOptions parse_redis_url(const std::string& url) {
  constexpr std::string_view kScheme = "redis://";
  if (url.rfind("rediss://", 0) == 0)
    throw core::Invalid("rediss:// (Redis over TLS) is not supported; use redis://");
  if (url.rfind(kScheme, 0) != 0)
    throw core::Invalid(
        "a Redis URL must start with redis:// (redis://[:password@]host[:port][/db])");
  RedisOptions o;
  std::string_view rest(url);
  rest.remove_prefix(kScheme.size());
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view path;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      // redis://secret@host: a lone userinfo is taken as the password, as
      // redis-cli -u does.
      o.password = percent_decode(userinfo, "password");
    } else {
      o.username = percent_decode(userinfo.substr(0, colon), "user name");
      o.password = percent_decode(userinfo.substr(colon + 1), "password");
    }
  }
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos)
      throw core::Invalid("the Redis URL's IPv6 host lacks its closing ']'");
    o.host = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') throw core::Invalid("the Redis URL has text after its IPv6 host");
      port = rest.substr(1);
    }
  } else if (auto colon = rest.find(':'); colon != std::string_view::npos) {
    o.host = std::string(rest.substr(0, colon));
    port = rest.substr(colon + 1);
  } else {
    o.host = std::string(rest);
  }
  if (o.host.empty()) throw core::Invalid("the Redis URL names no host");
  if (!port.empty()) o.port = static_cast<int>(parse_number(port, "port", 1, 65535));
  if (!path.empty()) o.db = static_cast<int>(parse_number(path, "database number", 0, 1 << 20));
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    auto eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    if (key == "connect_timeout_ms")
      o.connect_timeout =
          std::chrono::milliseconds(parse_number(value, "connect_timeout_ms", 1, 3600000));
    else if (key == "timeout_ms")
      o.command_timeout = std::chrono::milliseconds(parse_number(value, "timeout_ms", 1, 3600000));
    else if (key == "pool_size")
      o.pool_size = static_cast<std::size_t>(parse_number(value, "pool_size", 1, 1024));
    else if (key == "prefix")
      o.key_prefix = percent_decode(value, "prefix");
    else
      throw core::Invalid("the Redis URL has an unknown parameter '" + std::string(key) +
                          "' (known: connect_timeout_ms, timeout_ms, pool_size, prefix)");
  }
  return o;
}

std::string describe(const RedisOptions& o) {
  const bool v6 = o.host.find(':') != std::string::npos;
  return (v6 ? "[" + o.host + "]" : o.host) + ":" + std::to_string(o.port) + "/" +
         std::to_string(o.db);
}

RedisReplyError::RedisReplyError(std::string code, std::string message)
    : core::Unavailable("Redis refused a command: " + message), code_(std::move(code)) {}

long long RedisReply::as_integer() const {
  if (type != Type::kInteger) wrong_type(type, "an integer");
  return integer;
}

const std::string& RedisReply::as_string() const {
  if (type != Type::kString && type != Type::kStatus) wrong_type(type, "a string");
  return str;
}

std::optional<std::string> RedisReply::as_optional_string() const {
  if (type == Type::kNil) return std::nullopt;
  return as_string();
}

const std::vector<RedisReply>& RedisReply::as_array() const {
  static const std::vector<RedisReply> kEmpty;
  if (type == Type::kNil) return kEmpty;
  if (type != Type::kArray) wrong_type(type, "an array");
  return elements;
}

// --- RedisConnection ------------------------------------------------------

RedisConnection::RedisConnection(const RedisOptions& options) : options_(options) {
  ctx_ = redisConnectWithTimeout(options_.host.c_str(), options_.port,
                                 to_timeval(options_.connect_timeout));
  if (ctx_ == nullptr) throw core::Unavailable("cannot connect to Redis at " + describe(options_));
  if (ctx_->err) fail("connecting");
  if (redisSetTimeout(ctx_, to_timeval(options_.command_timeout)) != REDIS_OK)
    fail("setting the timeout");
  redisEnableKeepAlive(ctx_);
  try {
    if (!options_.password.empty()) {
      if (options_.username.empty())
        command({"AUTH", options_.password});
      else
        command({"AUTH", options_.username, options_.password});
    }
    if (options_.db != 0) command({"SELECT", std::to_string(options_.db)});
  } catch (const RedisReplyError& e) {
    redisFree(ctx_);
    ctx_ = nullptr;
    // The reply text may quote the command's arguments; only its code is kept.
    throw core::Unavailable("Redis at " + describe(options_) + " refused the connection's setup (" +
                            e.code() + "); check the password and database number");
  }
}

RedisConnection::~RedisConnection() {
  if (ctx_) redisFree(ctx_);
}

void RedisConnection::fail(const std::string& doing) {
  std::string why = ctx_ && ctx_->errstr[0] ? ctx_->errstr : "connection lost";
  if (ctx_) redisFree(ctx_);
  ctx_ = nullptr;
  throw core::Unavailable("Redis at " + describe(options_) + " is unavailable (" + doing + ": " +
                          why + ")");
}

void RedisConnection::send(const RedisCommand& args) {
  if (!ctx_)
    throw core::Unavailable("the Redis connection to " + describe(options_) + " is closed");
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  if (redisAppendCommandArgv(ctx_, static_cast<int>(args.size()), argv.data(), lens.data()) !=
      REDIS_OK)
    fail("sending " + (args.empty() ? std::string("a command") : args.front()));
}

RedisReply RedisConnection::read(std::optional<RedisReplyError>& error) {
  void* raw = nullptr;
  if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) fail("reading a reply");
  std::unique_ptr<redisReply, void (*)(void*)> reply(static_cast<redisReply*>(raw),
                                                     freeReplyObject);
  return convert(reply.get(), error);
}

RedisReply RedisConnection::command(const RedisCommand& args) {
  send(args);
  std::optional<RedisReplyError> error;
  RedisReply reply = read(error);
  if (error) throw *error;
  return reply;
}

std::vector<RedisReply> RedisConnection::pipeline(const std::vector<RedisCommand>& commands) {
  for (const auto& c : commands) send(c);
  std::optional<RedisReplyError> error;
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) replies.push_back(read(error));
  if (error) throw *error;
  return replies;
}

// --- RedisClient ----------------------------------------------------------

// Borrows a connection and gives it back (or drops it when it broke).
class RedisClient::Lease {
 public:
  explicit Lease(RedisClient& client) : client_(client), conn_(client.acquire()) {}
  ~Lease() { client_.give_back(std::move(conn_)); }
  RedisConnection& operator*() { return *conn_; }
  RedisConnection* operator->() { return conn_.get(); }

 private:
  RedisClient& client_;
  std::unique_ptr<RedisConnection> conn_;
};

RedisClient::RedisClient(RedisOptions options) : options_(std::move(options)) {
  if (options_.pool_size == 0) options_.pool_size = 1;
}

RedisClient::~RedisClient() = default;

std::unique_ptr<RedisConnection> RedisClient::acquire() {
  std::unique_lock lock(mutex_);
  const auto deadline = std::chrono::steady_clock::now() + options_.command_timeout;
  while (idle_.empty() && open_ >= options_.pool_size) {
    if (freed_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.pool_size)
      throw core::Unavailable("no free connection to Redis at " + describe(options_) + " (all " +
                              std::to_string(options_.pool_size) + " busy)");
  }
  if (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    return conn;
  }
  ++open_;  // reserve the slot; connect outside the lock
  lock.unlock();
  try {
    return std::make_unique<RedisConnection>(options_);
  } catch (...) {
    lock.lock();
    --open_;
    freed_.notify_one();
    throw;
  }
}

void RedisClient::give_back(std::unique_ptr<RedisConnection> conn) {
  std::lock_guard lock(mutex_);
  if (conn && conn->healthy()) {
    idle_.push_back(std::move(conn));
  } else {
    // The server probably went away: the idle connections are stale too, and
    // dropping them now spares each later call one failure.
    --open_;
    open_ -= idle_.size();
    idle_.clear();
  }
  freed_.notify_all();
}

RedisReply RedisClient::command(const RedisCommand& args) {
  Lease conn(*this);
  return conn->command(args);
}

RedisReply RedisClient::command(std::initializer_list<std::string_view> args) {
  RedisCommand cmd;
  cmd.reserve(args.size());
  for (auto a : args) cmd.emplace_back(a);
  return command(cmd);
}

std::vector<RedisReply> RedisClient::pipeline(const std::vector<RedisCommand>& commands) {
  Lease conn(*this);
  return conn->pipeline(commands);
}

void RedisClient::with_connection(const std::function<void(RedisConnection&)>& fn) {
  Lease conn(*this);
  fn(*conn);
}

bool RedisClient::ping() noexcept {
  try {
    return command({"PING"}).as_string() == "PONG";
  } catch (const std::exception&) {
    return false;
  }
}

// --- RedisScript ----------------------------------------------------------

std::string RedisScript::load(RedisClient& client) const {
  std::string sha = client.command({"SCRIPT", "LOAD", source_}).as_string();
  std::lock_guard lock(mutex_);
  sha1_ = sha;
  return sha;
}

RedisReply RedisScript::run(RedisClient& client, const std::vector<std::string>& keys,
                            const std::vector<std::string>& args) const {
  std::string sha;
  {
    std::lock_guard lock(mutex_);
    sha = sha1_;
  }
  if (sha.empty()) sha = load(client);
  RedisCommand cmd{"EVALSHA", sha, std::to_string(keys.size())};
  cmd.insert(cmd.end(), keys.begin(), keys.end());
  cmd.insert(cmd.end(), args.begin(), args.end());
  try {
    return client.command(cmd);
  } catch (const RedisReplyError& e) {
    if (e.code() != "NOSCRIPT") throw;
  }
  cmd[1] = load(client);  // the server lost its script cache (restart, SCRIPT FLUSH)
  return client.command(cmd);
}

}  // namespace churnwatch::cache
