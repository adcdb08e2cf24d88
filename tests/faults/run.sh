#!/usr/bin/env bash
# make test-faults: faults injected into a loopback cluster (scripts/cluster.sh)
# while it serves, each bounded in time, each printing what it measured.
#
#   server_kill   steady load (wrk through nginx); SIGKILL one server; the
#                 error rate must stay under 1% and the server, restarted,
#                 must take traffic again
#   worker_kill   SIGKILL the worker running a long job; another worker must
#                 finish it (after the job lease, 5 s here)
#   postgres_restart  restart PostgreSQL under load; service must resume by
#                 itself, with at most 20% of the requests failed (only when
#                 the cluster runs on PostgreSQL)
#   redis_stop    stop Redis; reads must go on (degraded), then recover
#                 (only when the cluster uses Redis)
#
# Usage: tests/faults/run.sh [test ...]   (default: all)
# Everything stays on 127.0.0.1. Exit status: non-zero when a test failed.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export CHURNWATCH_CLUSTER_DIR="${CHURNWATCH_CLUSTER_DIR:-${TMPDIR:-/tmp}/churnwatch-faults-$(id -u)}"
export CHURNWATCH_CLUSTER_PORT="${CHURNWATCH_CLUSTER_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
# One load generator stands for many users: no per-user or per-address limits.
export CHURNWATCH_RATE_LIMIT=0 CHURNWATCH_RATE_LIMIT_IP=0 CHURNWATCH_LOGIN_RATE_LIMIT=0
export CHURNWATCH_JOB_LEASE_SECONDS=5 CHURNWATCH_LOG_LEVEL=warn
LUA="$ROOT/bench/http/load.lua"
CLUSTER="$ROOT/scripts/cluster.sh"
FAILED=()

"$CLUSTER" start >/dev/null
trap '"$CLUSTER" stop >/dev/null 2>&1 || true' EXIT INT TERM
eval "$("$CLUSTER" env)"
URL=$CHURNWATCH_CLUSTER_URL
STATE=$CHURNWATCH_CLUSTER_STATE
TOKEN=$(curl -fsS -X POST "$URL/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$(cat "$STATE/admin-password")\"}" | jq -r .access_token)
# The customers the load reads, through the API whatever the database is.
curl -fsS -H "Authorization: Bearer $TOKEN" "$URL/api/v1/customers?limit=500" |
  jq -r '.items[].id' >"$STATE/ids.txt"
[ -s "$STATE/ids.txt" ] || { echo "faults: the cluster lists no customers to read" >&2; exit 1; }

report() { echo "  measured: $*"; }
fail() { echo "  FAILED: $*"; FAILED+=("$CURRENT"); }

# load SECONDS RATE -> starts wrk in the background (customer reads through
# nginx at a fixed rate); its RESULT line lands in $STATE/wrk.out.
load() {
  LOAD_TOKEN=$TOKEN LOAD_MODE=read LOAD_IDS=$STATE/ids.txt LOAD_RATE=$2 LOAD_THREADS=1 \
    wrk -t1 -c16 -d"$1s" --timeout 5s -s "$LUA" "$URL" >"$STATE/wrk.out" 2>&1 &
  LOAD_PID=$!
}
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" "$STATE/wrk.out"; }

server_kill() {
  local before after pid
  load 20 400
  sleep 5
  pid=$(cat "$STATE/pids/server1")
  kill -9 "$pid"
  local killed_at=$SECONDS
  sleep 5
  "$CLUSTER" start-server 1
  local port
  port=$(cat "$STATE/ports/server1")
  local t0=$SECONDS
  until curl -fs -o /dev/null "http://127.0.0.1:$port/healthz"; do
    [ $((SECONDS - t0)) -lt 60 ] || break
    sleep 0.1
  done
  local restarted=$((SECONDS - killed_at))
  # nginx's log names the server that answered each request.
  before=$(wc -l <"$STATE/nginx/logs/access.log")
  wait "$LOAD_PID" || true
  after=$(tail -n +"$((before + 1))" "$STATE/nginx/logs/access.log" | grep -c " 127.0.0.1:$port " || true)
  before=0
  local requests errors
  requests=$(field requests)
  errors=$(field errors)
  report "$requests requests at 400/s through nginx, $errors errors" \
    "($(awk -v e="$errors" -v r="$requests" 'BEGIN { printf "%.2f%%", 100 * e / r }')); server1 SIGKILLed at 5 s," \
    "restarted and healthy ${restarted}s after the kill; it served $((after - before)) requests afterwards"
  [ "$requests" -gt 0 ] || fail "no load went through"
  awk -v e="$errors" -v r="$requests" 'BEGIN { exit !(e <= r / 100) }' || fail "error rate above 1%"
  [ "$((after - before))" -gt 0 ] || fail "the restarted server took no traffic"
}

worker_kill() {
  # A long job: importing 200,000 generated customers (upsert) in the background.
  local csv=$STATE/big.csv
  "$ROOT/build/churnwatch" demo-data --rows 200000 --seed 9 -o "$csv"
  local job
  job=$(curl -fsS -X POST -H "Authorization: Bearer $TOKEN" -H 'content-type: text/csv' --data-binary @"$csv" \
    "$URL/api/v1/customers/import?mode=upsert&async=true" | jq -r .id)
  local owner="" t0=$SECONDS
  while [ -z "$owner" ] && [ $((SECONDS - t0)) -lt 60 ]; do
    owner=$(curl -fsS -H "Authorization: Bearer $TOKEN" "$URL/api/v1/jobs/$job" | jq -r '.lease_owner // empty')
    sleep 0.05
  done
  [ -n "$owner" ] || { fail "job $job was never claimed"; return; }
  local pid victim=""
  pid=$(echo "$owner" | cut -d: -f2)
  for n in 1 2; do [ "$(cat "$STATE/pids/worker$n")" = "$pid" ] && victim=$n; done
  [ -n "$victim" ] || { fail "job $job runs in $owner, not a cluster worker"; return; }
  kill -9 "$pid"
  local killed_at=$SECONDS state="" doc
  while [ $((SECONDS - killed_at)) -lt 180 ]; do
    doc=$(curl -fsS -H "Authorization: Bearer $TOKEN" "$URL/api/v1/jobs/$job")
    state=$(echo "$doc" | jq -r .state)
    case $state in succeeded | failed | dead | cancelled) break ;; esac
    sleep 0.5
  done
  report "job $job (import of 200,000 rows) claimed by worker$victim (pid $pid), SIGKILLed;" \
    "state $state after $((SECONDS - killed_at)) s, attempts $(echo "$doc" | jq -r .attempts)," \
    "(a second attempt means another worker claimed it after the lease ran out)"
  "$CLUSTER" start-worker "$victim"
  [ "$state" = succeeded ] || fail "the job did not complete elsewhere"
}

postgres_restart() {
  case $CHURNWATCH_DATABASE_URL in postgres*) ;; *)
    echo "  skipped: the cluster runs on SQLite (this build has no PostgreSQL store)"
    return ;;
  esac
  load 25 300
  sleep 5
  local t0=$SECONDS
  eval "$CHURNWATCH_TEST_POSTGRES_CTL restart -m fast"
  local restart_s=$((SECONDS - t0))
  # Recovery: the first moment reads through nginx succeed 20 times in a row.
  local ok=0 rec_start=$SECONDS
  while [ "$ok" -lt 20 ] && [ $((SECONDS - rec_start)) -lt 60 ]; do
    if curl -fs -o /dev/null -H "Authorization: Bearer $TOKEN" "$URL/api/v1/customers/$(head -1 "$STATE/ids.txt")"; then
      ok=$((ok + 1))
    else
      ok=0
    fi
    sleep 0.05
  done
  local recovered=$((SECONDS - rec_start))
  wait "$LOAD_PID" || true
  report "$(field requests) requests, $(field errors) errors; PostgreSQL restart took ${restart_s}s;" \
    "reads succeeded again ${recovered}s after it"
  [ "$ok" -ge 20 ] || fail "service did not resume within 60 s"
  # Errors belong to the moments the database is down; a load balancer that
  # took every server out over them failed over 40% here.
  awk -v e="$(field errors)" -v r="$(field requests)" 'BEGIN { exit !(e <= r / 5) }' ||
    fail "more than 20% of the requests failed around a database restart"
}

redis_stop() {
  [ -n "${CHURNWATCH_TEST_REDIS_URL:-}" ] || { echo "  skipped: no Redis"; return; }
  if ! grep -q CHURNWATCH_REDIS_URL "$ROOT/src/core/config.cpp"; then
    echo "  skipped: this build does not use Redis yet"
    return
  fi
  local redis_pid
  redis_pid=$(cat "$CHURNWATCH_CLUSTER_STATE/services/redis/redis.pid")
  load 15 300
  sleep 4
  kill "$redis_pid"
  wait "$LOAD_PID" || true
  report "$(field requests) requests with Redis stopped after 4 s, $(field errors) errors"
  awk -v e="$(field errors)" -v r="$(field requests)" 'BEGIN { exit !(r > 0 && e <= r / 10) }' ||
    fail "more than 10% errors without Redis (expected degraded but serving)"
}

TESTS=("$@")
[ ${#TESTS[@]} -gt 0 ] || TESTS=(server_kill worker_kill postgres_restart redis_stop)
for CURRENT in "${TESTS[@]}"; do
  echo "== $CURRENT"
  started=$SECONDS
  "$CURRENT"
  echo "  ($((SECONDS - started)) s)"
done
if [ ${#FAILED[@]} -gt 0 ]; then
  echo "faults: FAILED: ${FAILED[*]}"
  exit 1
fi
echo "faults: all passed"
