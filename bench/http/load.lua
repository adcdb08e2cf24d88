-- wrk script for bench/http.sh and the fault suite. Settings come from the
-- environment (wrk passes no arguments to init in a portable way):
--
--   LOAD_TOKEN    bearer token sent with every request (optional)
--   LOAD_MODE     read: GET LOAD_PREFIX/<id> for ids from LOAD_IDS
--                 get:  GET LOAD_PATH
--                 post: POST LOAD_PATH with bodies (JSON lines) from LOAD_BODIES
--   LOAD_RATE     total requests/s over all threads; 0 or unset: as fast as
--                 possible. Pacing keeps a per-thread schedule (LuaJIT ffi
--                 clock), so slow responses do not lower the offered rate
--                 while connections are free.
--   LOAD_THREADS  the -t value, to split LOAD_RATE between threads
--
-- done() prints one machine-readable line:
--   RESULT requests=N errors=N rps=X p50_ms=X p90_ms=X p99_ms=X max_ms=X
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } cw_timespec;
  int clock_gettime(int clk, cw_timespec* ts);
]]
local ts = ffi.new("cw_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local function read_lines(path)
  local out = {}
  if not path or path == "" then return out end
  for line in io.lines(path) do
    if line ~= "" then out[#out + 1] = line end
  end
  return out
end

local mode, prefix, path_, token
local ids, bodies = {}, {}
local headers = {}
local interval, next_slot = 0, 0
local counter = 0

function init(args)
  mode = os.getenv("LOAD_MODE") or "get"
  prefix = os.getenv("LOAD_PREFIX") or "/api/v1/customers/"
  path_ = os.getenv("LOAD_PATH") or "/healthz"
  token = os.getenv("LOAD_TOKEN") or ""
  if token ~= "" then headers["Authorization"] = "Bearer " .. token end
  if mode == "read" then ids = read_lines(os.getenv("LOAD_IDS")) end
  if mode == "post" then
    bodies = read_lines(os.getenv("LOAD_BODIES"))
    headers["Content-Type"] = "application/json"
  end
  local rate = tonumber(os.getenv("LOAD_RATE") or "0") or 0
  local threads = tonumber(os.getenv("LOAD_THREADS") or "1") or 1
  if rate > 0 then interval = 1000.0 * threads / rate end
  -- Threads start their schedules at different offsets so they interleave.
  counter = math.random(1, 1000003)
end

function delay()
  if interval <= 0 then return 0 end
  local now = now_ms()
  if next_slot < now - interval then next_slot = now end  -- fell behind: no burst to catch up
  local wait = next_slot - now
  next_slot = next_slot + interval
  if wait < 0 then return 0 end
  return wait
end

function request()
  counter = counter + 1
  if mode == "read" then
    return wrk.format("GET", prefix .. ids[counter % #ids + 1], headers)
  elseif mode == "post" then
    return wrk.format("POST", path_, headers, bodies[counter % #bodies + 1])
  end
  return wrk.format("GET", path_, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "RESULT requests=%d errors=%d non2xx=%d rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
    summary.requests, errors, e.status, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
