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
#   discord_outage  a high_risk rule posts to a strict Discord stand-in
#                 (tests/faults/discord_outage.mjs, needs node) that answers
#                 429 for 8 s, then 500 for 8 s, from its first request on;
#                 every alert the monitoring run queued must be delivered
#                 afterwards (within 120 s), no customer in two messages, no
#                 message refused as invalid
#
# The cluster's processes get CHURNWATCH_WEBHOOK_ALLOW_HOSTS=127.0.0.1 so that
# alert rules may point at the loopback stand-in.
# Usage: tests/faults/run.sh [test ...]   (default: all)
# Everything stays on 127.0.0.1. Exit status: non-zero when a test failed.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export CHURNWATCH_CLUSTER_DIR="${CHURNWATCH_CLUSTER_DIR:-${TMPDIR:-/tmp}/churnwatch-faults-$(id -u)}"
export CHURNWATCH_CLUSTER_PORT="${CHURNWATCH_CLUSTER_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
# One load generator stands for many users: no per-user or per-address limits.
export CHURNWATCH_RATE_LIMIT=0 CHURNWATCH_RATE_LIMIT_IP=0 CHURNWATCH_LOGIN_RATE_LIMIT=0
export CHURNWATCH_JOB_LEASE_SECONDS=5 CHURNWATCH_LOG_LEVEL=warn
# Alert webhooks may point at the loopback Discord stand-in (discord_outage).
export CHURNWATCH_WEBHOOK_ALLOW_HOSTS=127.0.0.1
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

# api METHOD PATH [curl arguments]: one authenticated call through nginx.
api() {
  local method=$1 path=$2
  shift 2
  curl -fsS -X "$method" -H "Authorization: Bearer $TOKEN" "$@" "$URL$path"
}

discord_outage() {
  command -v node >/dev/null || { echo "  skipped: node is not installed"; return; }
  local port_file=$STATE/discord.port rate_limited_s=8 server_error_s=8
  rm -f "$port_file"
  node "$ROOT/tests/faults/discord_outage.mjs" "$port_file" "$rate_limited_s" "$server_error_s" 1 \
    >"$STATE/logs/discord.log" 2>&1 &
  local standin_pid=$! t0=$SECONDS
  until [ -s "$port_file" ] || [ $((SECONDS - t0)) -ge 20 ]; do sleep 0.1; done
  [ -s "$port_file" ] || { fail "the Discord stand-in did not start: $(tail -3 "$STATE/logs/discord.log")"; return; }
  local standin="http://127.0.0.1:$(cat "$port_file")"

  # A threshold that about 500 customers meet: the 500th highest probability.
  local threshold
  threshold=$(api GET "/api/v1/customers?sort=-risk&limit=1&offset=499" | jq -r '.items[0].risk.probability // empty') ||
    true
  [ -n "$threshold" ] || { fail "no scored customers to alert on"; kill "$standin_pid"; return; }
  local rule
  rule=$(api POST /api/v1/alerts/rules -H 'content-type: application/json' -d "$(jq -nc \
    --arg url "$standin/api/webhooks/1234567890/outage-token-abcdefgh" --argjson t "$threshold" \
    '{name: "fault suite: Discord outage", kind: "high_risk", threshold: $t, webhook_url: $url}')" | jq -r .id) ||
    true
  [ -n "$rule" ] && [ "$rule" != null ] || { fail "the alert rule was not created"; kill "$standin_pid"; return; }

  local job doc state=""
  job=$(api POST /api/v1/monitoring/run | jq -r .id) ||
    { fail "the monitoring run was not started"; kill "$standin_pid"; api DELETE "/api/v1/alerts/rules/$rule" >/dev/null || true; return; }
  t0=$SECONDS
  while [ $((SECONDS - t0)) -lt 120 ]; do
    doc=$(api GET "/api/v1/jobs/$job") || { sleep 0.5; continue; }
    state=$(echo "$doc" | jq -r .state)
    case $state in succeeded | failed | dead | cancelled) break ;; esac
    sleep 0.5
  done
  local queued
  queued=$(echo "$doc" | jq --argjson r "$rule" '[.result.rules[]? | select(.rule_id == $r) | .queued] | add // 0')
  if [ "$state" != succeeded ] || [ "$queued" -le 0 ]; then
    fail "the monitoring job ended $state with $queued alerts queued: $(echo "$doc" | jq -c '.error // .result')"
    kill "$standin_pid"
    api DELETE "/api/v1/alerts/rules/$rule" >/dev/null || true
    return
  fi

  # Every event of the rule (its alerts and the run's summary) delivered or
  # failed, within 120 s of the job's end.
  count() { api GET "/api/v1/alerts/events?rule_id=$rule&limit=1${1:+&state=$1}" | jq .total; }
  local events=0 waiting=1 delivered=0 failed=0
  t0=$SECONDS
  while :; do
    # A read that fails (a server restarting) is read again next time.
    if events=$(count) && delivered=$(count delivered) && failed=$(count failed); then
      waiting=$((events - delivered - failed))
      [ "$waiting" -gt 0 ] || break
    fi
    [ $((SECONDS - t0)) -lt 120 ] || break
    sleep 1
  done
  local received=$STATE/discord-received.json
  curl -fsS "$standin/_standin/received" >"$received"
  kill "$standin_pid"
  wait "$standin_pid" 2>/dev/null || true

  # Customers per delivered message, each counted once per message.
  local messages customer_embeds distinct twice refused s429 s500 bucket429 recovery
  messages=$(jq '.messages | length' "$received")
  jq -r '.messages[] | [.body.embeds[]?.fields[]? | select(.name | startswith("Customer ID")) | .value] | unique | .[]' \
    "$received" >"$STATE/discord-customers.txt"
  customer_embeds=$(wc -l <"$STATE/discord-customers.txt")
  distinct=$(sort -u "$STATE/discord-customers.txt" | wc -l)
  twice=$(sort "$STATE/discord-customers.txt" | uniq -d | wc -l)
  refused=$(jq '.refused | length' "$received")
  s429=$(jq '.outage_429' "$received")
  s500=$(jq '.served["500"] // 0' "$received")
  bucket429=$(jq '.bucket_limited' "$received")
  recovery=$(jq -r 'if (.messages | length) > 0 and .outage_ends_at != null
    then ((.messages | map(.at) | max) - .outage_ends_at) / 1000 | tostring else "-" end' "$received")
  report "$queued alerts queued (threshold $threshold) + the run summary = $events events;" \
    "$delivered delivered, $failed failed, $waiting still waiting; $messages messages carrying $distinct customers"
  report "the stand-in served $s429 429s (${rate_limited_s}s) and $s500 500s (${server_error_s}s)," \
    "$bucket429 429s of its bucket afterwards, refused $refused messages as invalid;" \
    "last delivery ${recovery}s after the outage ended"
  [ "$s429" -gt 0 ] && [ "$s500" -gt 0 ] || fail "the outage did not happen (429s $s429, 500s $s500)"
  [ "$waiting" -eq 0 ] || fail "$waiting alerts still undelivered 120 s after the run"
  [ "$failed" -eq 0 ] || fail "$failed alerts failed: $(api GET "/api/v1/alerts/events?rule_id=$rule&state=failed&limit=1" | jq -r '.items[0].error')"
  [ "$delivered" -eq "$events" ] || fail "$delivered of $events events delivered"
  [ "$distinct" -eq "$queued" ] || fail "$distinct customers in the messages, $queued alerts queued"
  [ "$twice" -eq 0 ] || fail "$twice customers were posted in two messages"
  [ "$refused" -eq 0 ] || fail "the stand-in refused $refused messages: $(jq -c '.refused[0].reason' "$received")"
  api DELETE "/api/v1/alerts/rules/$rule" >/dev/null || true
}

TESTS=("$@")
# discord_outage before worker_kill, whose 200,000 imported customers the
# monitoring run would score too; redis_stop last: it leaves Redis stopped,
# and with it the job queue.
[ ${#TESTS[@]} -gt 0 ] || TESTS=(server_kill discord_outage worker_kill postgres_restart redis_stop)
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
