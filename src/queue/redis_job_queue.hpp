// The JobQueue on Redis Streams, for fleets of `churnwatch worker` processes
// on many hosts. Passes the same conformance suite as the SQL queue.
//
// Layout (every key starts with RedisOptions::key_prefix + "jobs:"):
//   job:<id>          hash: the Job's fields (payload/result as JSON text),
//                     plus seq (enqueue order) and entry (its stream entry)
//   stream:<kind>     one stream per kind, consumer group "workers"; an entry
//                     {job: <id>} is added when the job becomes runnable
//   delayed           zset id -> run_after (ms): retries and future jobs; moved
//                     into their stream once due
//   running           zset id -> lease expiry (ms)
//   idx:all, idx:state:<state>, idx:kind:<kind>   zsets id -> seq, for list,
//                     counts and depth
//   idem:<kind>:<key> the id of the job created with that idempotency key
//   kinds             set of kinds seen
//
// Delivery: claim reads the next entry with XREADGROUP into the worker's
// pending list; the entry stays pending while the job runs and is XACKed (and
// deleted) in the same atomic step that stores the outcome, so a job whose
// result is not stored is never acknowledged. A worker that dies leaves its
// entry pending; once the job's lease passes, the next claim takes the entry
// over with XCLAIM (a new attempt). Leases are per job and renewed by
// heartbeats, so expiry is read from `running` rather than from the
// entry's idle time, which is what XAUTOCLAIM would test.
//
// Every operation is one Lua script (EVALSHA), so each is atomic across
// processes. Times come from the callers' clocks, as with the SQL queue:
// hosts sharing a queue need synchronised clocks (NTP).
#pragma once

#include <memory>

#include "cache/redis_client.hpp"
#include "queue/job_queue.hpp"

namespace churnwatch::queue {

// A queue on `redis` (shared, may serve other users too).
std::unique_ptr<JobQueue> make_redis_job_queue(std::shared_ptr<cache::RedisClient> redis);

}  // namespace churnwatch::queue
