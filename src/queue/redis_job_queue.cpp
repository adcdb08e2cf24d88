// The Redis Streams JobQueue: each operation is one Lua script; this file
// passes arguments in and turns replies and script errors into Jobs and core
// errors. See redis_job_queue.hpp for the key layout.
#include "queue/redis_job_queue.hpp"

#include <algorithm>
#include <random>

#include "core/clock.hpp"
#include "core/errors.hpp"

namespace churnwatch::queue {

namespace {

using Clock = std::chrono::system_clock;
using cache::RedisReply;
using cache::RedisReplyError;
using cache::RedisScript;

constexpr std::string_view kDeadError = "its worker stopped responding on the last attempt";

// Shared by every script: key names and state moves that keep the indexes
// (idx:state:*, running, delayed) in step with the hash.
constexpr std::string_view kPrelude = R"lua(
local P = ARGV[1]
local function jk(id) return P .. 'job:' .. id end
local function sk(kind) return P .. 'stream:' .. kind end
local function move(id, from, to)
  local seq = redis.call('HGET', jk(id), 'seq')
  redis.call('ZREM', P .. 'idx:state:' .. from, id)
  redis.call('ZADD', P .. 'idx:state:' .. to, seq, id)
  redis.call('HSET', jk(id), 'state', to)
end
-- Acknowledges and drops the job's stream entry, if it has one.
local function ack(id)
  local h = redis.call('HMGET', jk(id), 'kind', 'entry')
  if h[2] and h[2] ~= '' then
    redis.call('XACK', sk(h[1]), 'workers', h[2])
    redis.call('XDEL', sk(h[1]), h[2])
    redis.call('HSET', jk(id), 'entry', '')
  end
end
-- Makes a queued job visible to workers: a new stream entry.
local function publish(id)
  local kind = redis.call('HGET', jk(id), 'kind')
  local entry = redis.call('XADD', sk(kind), '*', 'job', id)
  redis.call('HSET', jk(id), 'entry', entry)
end
local function finish(id, from, to, now_iso)
  ack(id)
  redis.call('ZREM', P .. 'running', id)
  redis.call('HSET', jk(id), 'finished_at', now_iso, 'lease_owner', '', 'lease_expires_at', '')
  move(id, from, to)
end
-- Errors the C++ side maps to NotFound / Conflict.
local function holder(id, worker)
  local h = redis.call('HMGET', jk(id), 'state', 'lease_owner')
  if not h[1] then return redis.error_reply('NOTFOUND ' .. id) end
  if h[1] ~= 'running' or h[2] ~= worker then return redis.error_reply('NOTHELD ' .. id) end
  return nil
end
)lua";

// ARGV: P id kind payload max_attempts created_by idem_key now_iso now_ms
//       run_after_ms run_after_iso
constexpr std::string_view kEnqueue = R"lua(
local id, kind = ARGV[2], ARGV[3]
local idem = ARGV[7]
local idem_key = P .. 'idem:' .. kind .. ':' .. idem
if idem ~= '' then
  local existing = redis.call('GET', idem_key)
  if existing and redis.call('EXISTS', jk(existing)) == 1 then return existing end
end
if redis.call('EXISTS', jk(id)) == 1 then return redis.error_reply('EXISTS ' .. id) end
local seq = redis.call('INCR', P .. 'seq')
redis.call('HSET', jk(id), 'id', id, 'kind', kind, 'state', 'queued', 'progress', '0',
  'message', '', 'attempts', '0', 'max_attempts', ARGV[5], 'payload', ARGV[4], 'result', '',
  'error', '', 'idempotency_key', idem, 'created_by', ARGV[6], 'created_at', ARGV[8],
  'started_at', '', 'finished_at', '', 'run_after', ARGV[11], 'cancel_requested', '0',
  'lease_owner', '', 'lease_expires_at', '', 'seq', seq, 'entry', '')
redis.call('ZADD', P .. 'idx:all', seq, id)
redis.call('ZADD', P .. 'idx:state:queued', seq, id)
redis.call('ZADD', P .. 'idx:kind:' .. kind, seq, id)
if redis.call('SADD', P .. 'kinds', kind) == 1 then
  redis.pcall('XGROUP', 'CREATE', sk(kind), 'workers', '0', 'MKSTREAM')
end
if tonumber(ARGV[10]) > tonumber(ARGV[9]) then
  redis.call('ZADD', P .. 'delayed', ARGV[10], id)
else
  publish(id)
end
if idem ~= '' then redis.call('SET', idem_key, id) end
return id
)lua";

// ARGV: P worker now_ms now_iso lease_ms lease_iso dead_error kind...
// Returns the claimed id or nil.
constexpr std::string_view kClaim = R"lua(
local worker, now_ms, now_iso = ARGV[2], tonumber(ARGV[3]), ARGV[4]
local kinds = {}
for i = 8, #ARGV do kinds[#kinds + 1] = ARGV[i] end
if #kinds == 0 then kinds = redis.call('SMEMBERS', P .. 'kinds') end
local wanted = {}
for _, k in ipairs(kinds) do wanted[k] = true end

-- Due retries and delayed jobs join their streams.
for _, id in ipairs(redis.call('ZRANGEBYSCORE', P .. 'delayed', '-inf', now_ms)) do
  redis.call('ZREM', P .. 'delayed', id)
  if redis.call('HGET', jk(id), 'state') == 'queued' then publish(id) end
end

-- Running jobs whose lease passed: their worker died or hung.
local best_id, best_seq, best_fresh_kind = nil, nil, nil
for _, id in ipairs(redis.call('ZRANGEBYSCORE', P .. 'running', '-inf', '(' .. now_ms)) do
  local h = redis.call('HMGET', jk(id), 'cancel_requested', 'attempts', 'max_attempts', 'kind', 'seq')
  if h[1] == '1' then
    finish(id, 'running', 'cancelled', now_iso)
  elseif tonumber(h[2]) >= tonumber(h[3]) then
    redis.call('HSET', jk(id), 'error', ARGV[7])
    finish(id, 'running', 'dead', now_iso)
  elseif wanted[h[4]] and (not best_seq or tonumber(h[5]) < best_seq) then
    best_id, best_seq = id, tonumber(h[5])
  end
end

-- The next undelivered entry of each wanted stream; the oldest job wins.
for _, kind in ipairs(kinds) do
  local groups = redis.pcall('XINFO', 'GROUPS', sk(kind))
  if type(groups) == 'table' and groups[1] then
    local last = '0-0'
    for i = 1, #groups[1], 2 do
      if groups[1][i] == 'last-delivered-id' then last = groups[1][i + 1] end
    end
    while true do
      local next_entry = redis.call('XRANGE', sk(kind), '(' .. last, '+', 'COUNT', 1)
      if #next_entry == 0 then break end
      local entry, fields = next_entry[1][1], next_entry[1][2]
      local id = fields[2]
      local h = redis.call('HMGET', jk(id), 'state', 'entry', 'seq')
      if h[1] == 'queued' and h[2] == entry then
        if not best_seq or tonumber(h[3]) < best_seq then
          best_id, best_seq, best_fresh_kind = id, tonumber(h[3]), kind
        end
        break
      end
      -- A stale entry (its job was cancelled or re-published): skip it.
      redis.call('XREADGROUP', 'GROUP', 'workers', worker, 'COUNT', 1, 'STREAMS', sk(kind), '>')
      redis.call('XACK', sk(kind), 'workers', entry)
      redis.call('XDEL', sk(kind), entry)
      last = entry
    end
  end
end
if not best_id then return false end

local id = best_id
if best_fresh_kind then
  redis.call('XREADGROUP', 'GROUP', 'workers', worker, 'COUNT', 1, 'STREAMS', sk(best_fresh_kind), '>')
  move(id, 'queued', 'running')
else
  -- Take over the dead worker's pending entry.
  local h = redis.call('HMGET', jk(id), 'kind', 'entry')
  redis.call('XCLAIM', sk(h[1]), 'workers', worker, 0, h[2], 'JUSTID')
end
local started = redis.call('HGET', jk(id), 'started_at')
if started == '' then started = now_iso end
redis.call('HINCRBY', jk(id), 'attempts', 1)
redis.call('HSET', jk(id), 'lease_owner', worker, 'lease_expires_at', ARGV[6], 'started_at', started)
redis.call('ZADD', P .. 'running', ARGV[5], id)
return id
)lua";

// ARGV: P id worker progress message lease_ms lease_iso
constexpr std::string_view kHeartbeat = R"lua(
local id = ARGV[2]
local err = holder(id, ARGV[3])
if err then return err end
redis.call('HSET', jk(id), 'progress', ARGV[4], 'message', ARGV[5], 'lease_expires_at', ARGV[7])
redis.call('ZADD', P .. 'running', ARGV[6], id)
-- Resets the entry's idle time, so XPENDING shows it as alive.
local h = redis.call('HMGET', jk(id), 'kind', 'entry', 'cancel_requested')
if h[2] ~= '' then redis.call('XCLAIM', sk(h[1]), 'workers', ARGV[3], 0, h[2], 'JUSTID') end
return tonumber(h[3])
)lua";

// ARGV: P id worker result now_iso
constexpr std::string_view kComplete = R"lua(
local id = ARGV[2]
local err = holder(id, ARGV[3])
if err then return err end
redis.call('HSET', jk(id), 'result', ARGV[4], 'progress', '1')
finish(id, 'running', 'succeeded', ARGV[5])
return 1
)lua";

// ARGV: P id worker error retryable(0/1) now_iso retry_at_ms retry_at_iso details_json
constexpr std::string_view kFail = R"lua(
local id = ARGV[2]
local err = holder(id, ARGV[3])
if err then return err end
local h = redis.call('HMGET', jk(id), 'attempts', 'max_attempts')
redis.call('HSET', jk(id), 'error', ARGV[4], 'error_details', ARGV[9])
if ARGV[5] == '1' and tonumber(h[1]) < tonumber(h[2]) then
  ack(id)
  redis.call('ZREM', P .. 'running', id)
  redis.call('HSET', jk(id), 'lease_owner', '', 'lease_expires_at', '', 'run_after', ARGV[8])
  move(id, 'running', 'queued')
  redis.call('ZADD', P .. 'delayed', ARGV[7], id)
elseif ARGV[5] == '1' then
  finish(id, 'running', 'dead', ARGV[6])
else
  finish(id, 'running', 'failed', ARGV[6])
end
return 1
)lua";

// ARGV: P id worker now_iso
constexpr std::string_view kFinishCancelled = R"lua(
local id = ARGV[2]
local err = holder(id, ARGV[3])
if err then return err end
finish(id, 'running', 'cancelled', ARGV[4])
return 1
)lua";

// ARGV: P id worker now_iso
constexpr std::string_view kRelease = R"lua(
local id = ARGV[2]
local err = holder(id, ARGV[3])
if err then return err end
if redis.call('HGET', jk(id), 'cancel_requested') == '1' then
  finish(id, 'running', 'cancelled', ARGV[4])
  return 1
end
ack(id)
redis.call('ZREM', P .. 'running', id)
redis.call('HINCRBY', jk(id), 'attempts', -1)
redis.call('HSET', jk(id), 'lease_owner', '', 'lease_expires_at', '', 'run_after', ARGV[4])
move(id, 'running', 'queued')
publish(id)
return 1
)lua";

// ARGV: P id now_iso
constexpr std::string_view kCancel = R"lua(
local id = ARGV[2]
local state = redis.call('HGET', jk(id), 'state')
if not state then return redis.error_reply('NOTFOUND ' .. id) end
if state == 'queued' then
  redis.call('ZREM', P .. 'delayed', id)
  redis.call('HSET', jk(id), 'cancel_requested', '1')
  finish(id, 'queued', 'cancelled', ARGV[3])
elseif state == 'running' then
  redis.call('HSET', jk(id), 'cancel_requested', '1')
else
  return redis.error_reply('FINISHED ' .. state)
end
return 1
)lua";

// ARGV: P state kind offset limit. Returns {total, id...}, newest first.
constexpr std::string_view kList = R"lua(
local state, kind = ARGV[2], ARGV[3]
local offset, limit = tonumber(ARGV[4]), tonumber(ARGV[5])
local index = P .. 'idx:all'
if state ~= '' then index = P .. 'idx:state:' .. state
elseif kind ~= '' then index = P .. 'idx:kind:' .. kind end
if state == '' or kind == '' then
  local ids = {}
  if limit > 0 then ids = redis.call('ZREVRANGE', index, offset, offset + limit - 1) end
  table.insert(ids, 1, redis.call('ZCARD', index))
  return ids
end
-- Both filters: walk the state's index and keep the kind.
local out, total = {}, 0
for _, id in ipairs(redis.call('ZREVRANGE', index, 0, -1)) do
  if redis.call('HGET', jk(id), 'kind') == kind then
    if total >= offset and #out < limit then out[#out + 1] = id end
    total = total + 1
  end
end
table.insert(out, 1, total)
return out
)lua";

std::string script(std::string_view body) { return std::string(kPrelude) + std::string(body); }

std::int64_t millis(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

double jitter() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

std::string fmt_double(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

class RedisJobQueue final : public JobQueue {
 public:
  explicit RedisJobQueue(std::shared_ptr<cache::RedisClient> redis)
      : redis_(std::move(redis)), prefix_(redis_->options().key_prefix + "jobs:") {}

  Job enqueue(std::string_view kind, const nlohmann::json& payload,
              const EnqueueOptions& o) override {
    if (kind.empty()) throw core::Invalid("a job needs a kind", {{"kind", "must not be empty"}});
    if (o.max_attempts < 1)
      throw core::Invalid("max_attempts must be at least 1", {{"max_attempts", ">= 1"}});
    const auto now = Clock::now();
    const auto run_after = std::max(now, o.run_after.value_or(now));
    const std::string id = o.id.empty() ? new_job_id() : o.id;
    std::string stored;
    try {
      stored = run(enqueue_, {id, std::string(kind), payload.dump(), std::to_string(o.max_attempts),
                              o.created_by, o.idempotency_key, core::to_iso8601(now),
                              std::to_string(millis(now)), std::to_string(millis(run_after)),
                              core::to_iso8601(run_after)})
                   .as_string();
    } catch (const RedisReplyError& e) {
      if (e.code() == "EXISTS") throw core::Conflict("a job with id '" + id + "' already exists");
      throw;
    }
    auto job = get(stored);
    if (!job) throw core::Unavailable("the job '" + stored + "' vanished from Redis");
    return *job;
  }

  std::optional<Job> get(std::string_view id) override {
    auto reply = redis_->command({"HGETALL", prefix_ + "job:" + std::string(id)});
    if (reply.as_array().empty()) return std::nullopt;
    return to_job(reply);
  }

  JobPage list(const JobFilter& f) override {
    auto reply = run(list_, {f.state ? std::string(to_string(*f.state)) : std::string(), f.kind,
                             std::to_string(std::max<std::int64_t>(0, f.offset)),
                             std::to_string(std::max<std::int64_t>(0, f.limit))});
    const auto& items = reply.as_array();
    JobPage page;
    if (items.empty()) return page;
    page.total = items[0].as_integer();
    std::vector<cache::RedisCommand> reads;
    for (std::size_t i = 1; i < items.size(); ++i)
      reads.push_back({"HGETALL", prefix_ + "job:" + items[i].as_string()});
    if (reads.empty()) return page;
    for (const auto& r : redis_->pipeline(reads))
      if (!r.as_array().empty()) page.items.push_back(to_job(r));
    return page;
  }

  std::optional<Job> claim(std::string_view worker_id, const std::vector<std::string>& kinds,
                           std::chrono::milliseconds lease) override {
    const auto now = Clock::now();
    std::vector<std::string> args{
        std::string(worker_id),        std::to_string(millis(now)),
        core::to_iso8601(now),         std::to_string(millis(now + lease)),
        core::to_iso8601(now + lease), std::string(kDeadError)};
    args.insert(args.end(), kinds.begin(), kinds.end());
    auto reply = run(claim_, args);
    if (reply.is_nil()) return std::nullopt;
    return get(reply.as_string());
  }

  bool heartbeat(std::string_view id, std::string_view worker_id, double progress,
                 std::string_view message, std::chrono::milliseconds lease) override {
    const auto until = Clock::now() + lease;
    auto reply =
        held(id, worker_id, heartbeat_,
             {std::string(id), std::string(worker_id), fmt_double(std::clamp(progress, 0.0, 1.0)),
              std::string(message), std::to_string(millis(until)), core::to_iso8601(until)});
    return reply.as_integer() == 1;
  }

  void complete(std::string_view id, std::string_view worker_id,
                const nlohmann::json& result) override {
    held(id, worker_id, complete_,
         {std::string(id), std::string(worker_id), result.dump(), core::now_iso8601()});
  }

  Job fail(std::string_view id, std::string_view worker_id, std::string_view error, bool retryable,
           const nlohmann::json& details) override {
    auto job = get(id);
    if (!job) throw core::NotFound("no job has id '" + std::string(id) + "'");
    const auto now = Clock::now();
    const auto retry_at = now + retry_delay(std::max(1, job->attempts), jitter());
    held(id, worker_id, fail_,
         {std::string(id), std::string(worker_id), std::string(error), retryable ? "1" : "0",
          core::to_iso8601(now), std::to_string(millis(retry_at)), core::to_iso8601(retry_at),
          details.dump()});
    return *get(id);
  }

  void finish_cancelled(std::string_view id, std::string_view worker_id) override {
    held(id, worker_id, finish_cancelled_,
         {std::string(id), std::string(worker_id), core::now_iso8601()});
  }

  void release(std::string_view id, std::string_view worker_id) override {
    held(id, worker_id, release_, {std::string(id), std::string(worker_id), core::now_iso8601()});
  }

  Job cancel(std::string_view id) override {
    try {
      run(cancel_, {std::string(id), core::now_iso8601()});
    } catch (const RedisReplyError& e) {
      if (e.code() == "NOTFOUND") throw core::NotFound("no job has id '" + std::string(id) + "'");
      if (e.code() == "FINISHED") {
        const std::string message = e.what();
        throw core::Conflict("job '" + std::string(id) + "' already finished (" +
                             message.substr(message.rfind(' ') + 1) + ")");
      }
      throw;
    }
    return *get(id);
  }

  std::map<JobState, std::int64_t> counts() override {
    static constexpr JobState kStates[] = {JobState::kQueued,    JobState::kRunning,
                                           JobState::kSucceeded, JobState::kFailed,
                                           JobState::kCancelled, JobState::kDead};
    std::vector<cache::RedisCommand> cards;
    for (auto s : kStates)
      cards.push_back({"ZCARD", prefix_ + "idx:state:" + std::string(to_string(s))});
    auto replies = redis_->pipeline(cards);
    std::map<JobState, std::int64_t> out;
    for (std::size_t i = 0; i < std::size(kStates); ++i) out[kStates[i]] = replies[i].as_integer();
    return out;
  }

  std::int64_t depth() override {
    return redis_->command({"ZCARD", prefix_ + "idx:state:queued"}).as_integer();
  }

 private:
  RedisReply run(const RedisScript& s, std::vector<std::string> args) {
    args.insert(args.begin(), prefix_);
    return s.run(*redis_, {}, args);
  }

  // Runs a holder-only script; maps its refusals to NotFound / Conflict.
  RedisReply held(std::string_view id, std::string_view worker_id, const RedisScript& s,
                  std::vector<std::string> args) {
    try {
      return run(s, std::move(args));
    } catch (const RedisReplyError& e) {
      if (e.code() == "NOTFOUND") throw core::NotFound("no job has id '" + std::string(id) + "'");
      if (e.code() == "NOTHELD")
        throw core::Conflict("worker '" + std::string(worker_id) + "' no longer holds job '" +
                             std::string(id) + "' (its lease expired or the job finished)");
      throw;
    }
  }

  static Job to_job(const RedisReply& reply) {
    const auto& f = reply.as_array();
    std::map<std::string, std::string> h;
    for (std::size_t i = 0; i + 1 < f.size(); i += 2) h[f[i].as_string()] = f[i + 1].as_string();
    auto text = [&](const char* k) { return h[k]; };
    auto number = [&](const char* k) { return h[k].empty() ? 0 : std::stoi(h[k]); };
    Job j;
    j.id = text("id");
    j.kind = text("kind");
    j.state = parse_job_state(text("state"));
    j.progress = h["progress"].empty() ? 0 : std::stod(h["progress"]);
    j.message = text("message");
    j.attempts = number("attempts");
    j.max_attempts = number("max_attempts");
    j.payload = h["payload"].empty() ? nlohmann::json::object()
                                     : nlohmann::json::parse(h["payload"], nullptr, false);
    j.result =
        h["result"].empty() ? nlohmann::json() : nlohmann::json::parse(h["result"], nullptr, false);
    j.error = text("error");
    j.error_details = h["error_details"].empty() ? nlohmann::json()
                                                 : nlohmann::json::parse(h["error_details"], nullptr, false);
    j.idempotency_key = text("idempotency_key");
    j.created_by = text("created_by");
    j.created_at = text("created_at");
    j.started_at = text("started_at");
    j.finished_at = text("finished_at");
    j.run_after = text("run_after");
    j.cancel_requested = h["cancel_requested"] == "1";
    j.lease_owner = text("lease_owner");
    j.lease_expires_at = text("lease_expires_at");
    return j;
  }

  std::shared_ptr<cache::RedisClient> redis_;
  std::string prefix_;
  RedisScript enqueue_{script(kEnqueue)};
  RedisScript claim_{script(kClaim)};
  RedisScript heartbeat_{script(kHeartbeat)};
  RedisScript complete_{script(kComplete)};
  RedisScript fail_{script(kFail)};
  RedisScript finish_cancelled_{script(kFinishCancelled)};
  RedisScript release_{script(kRelease)};
  RedisScript cancel_{script(kCancel)};
  RedisScript list_{script(kList)};
};

}  // namespace

std::unique_ptr<JobQueue> make_redis_job_queue(std::shared_ptr<cache::RedisClient> redis) {
  return std::make_unique<RedisJobQueue>(std::move(redis));
}

}  // namespace churnwatch::queue
