#!/usr/bin/env bash
# HTTP benchmark: wrk against churnwatch serve and against a reference
# Django REST Framework + scikit-learn app (bench/reference/drf, Debian
# packages only, gunicorn with 2 workers), same customers, same machine, same
# run. Three endpoints each: read one customer, a filtered and sorted list,
# and a what-if prediction (the list and prediction also against a second
# churnwatch server with its caches off, since the reference caches nothing);
# then customer reads at a fixed 1,000 requests/s for tail latency. Prints a
# table with the ratios.
#
#   bench/http.sh [BUILD_DIR]     default build/
# Env: BENCH_SECONDS (10) per run, BENCH_CONNECTIONS (64), BENCH_RATE (1000),
#      BENCH_CSV (default: the bank file when present, else 10,000 generated
#      customers), BENCH_WORK (kept when set; a temporary folder otherwise).
#
# Both servers run without request rate limits (one benchmark user would
# otherwise hit them by design) and without access logs to a terminal.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
BIN=$BUILD/churnwatch
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-64}
RATE=${BENCH_RATE:-1000}
SHARED=${CHURNWATCH_SHARED_DATA:-$ROOT/../shared/data}
PY=/usr/bin/python3
LUA=$ROOT/bench/http/load.lua

for tool in wrk curl jq; do
  command -v "$tool" >/dev/null || { echo "bench/http: $tool is missing (make deps installs it)" >&2; exit 1; }
done
[ -x "$BIN" ] || { echo "bench/http: $BIN not built" >&2; exit 1; }

if [ -n "${BENCH_WORK:-}" ]; then
  WORK=$BENCH_WORK
  mkdir -p "$WORK"
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/churnwatch-http-bench.XXXXXX")
fi
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -n "${BENCH_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

free_port() { $PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_http() {  # url, log file
  for _ in $(seq 600); do
    curl -fs -o /dev/null "$1" && return 0
    sleep 0.1
  done
  echo "bench/http: $1 did not come up; its log:" >&2
  tail -20 "$2" >&2
  exit 1
}

# --- the data --------------------------------------------------------------
CSV=${BENCH_CSV:-}
if [ -z "$CSV" ]; then
  if [ -f "$SHARED/Churn_Modelling.csv" ]; then
    CSV=$SHARED/Churn_Modelling.csv
  else
    CSV=$WORK/customers.csv
    "$BIN" demo-data --rows 10000 --seed 42 -o "$CSV"
  fi
fi
rows=$(($(wc -l <"$CSV") - 1))
echo "data: $CSV ($rows customers)"
# Every 10th customer id for the reads; 100 attribute rows for predictions.
$PY - "$CSV" "$WORK" <<'PYEOF'
import csv, json, sys
src, work = sys.argv[1], sys.argv[2]
with open(src, newline="") as f:
    rows = list(csv.DictReader(f))
with open(f"{work}/ids.txt", "w") as f:
    for r in rows[::10]:
        f.write(r["CustomerId"] + "\n")
ints = {"CreditScore", "Age", "Tenure", "NumOfProducts"}
bools = {"HasCrCard", "IsActiveMember"}
floats = {"Balance", "EstimatedSalary"}
def typed(k, v):
    if k in ints: return int(float(v))
    if k in bools: return v.strip().lower() in ("1", "true", "yes")
    if k in floats: return float(v)
    return v
with open(f"{work}/bodies.jsonl", "w") as f:
    for r in rows[:100]:
        attrs = {k: typed(k, v) for k, v in r.items() if k not in ("RowNumber", "CustomerId", "Surname", "Exited")}
        f.write(json.dumps({"attributes": attrs}) + "\n")
PYEOF

USER_NAME=bench
PASSWORD=bench-password-$RANDOM$RANDOM

# --- churnwatch ------------------------------------------------------------
export CHURNWATCH_DATA_DIR=$WORK/churnwatch
export CHURNWATCH_RATE_LIMIT=0 CHURNWATCH_RATE_LIMIT_IP=0 CHURNWATCH_LOGIN_RATE_LIMIT=0
export CHURNWATCH_ACCESS_TOKEN_TTL=7200 CHURNWATCH_WORKERS=0 CHURNWATCH_LOG_LEVEL=warn
if [ ! -f "$CHURNWATCH_DATA_DIR/churnwatch.db" ]; then
  mkdir -p "$CHURNWATCH_DATA_DIR"
  "$BIN" import "$CSV" >/dev/null
  "$BIN" train >"$WORK/train.log"
  "$BIN" user create --username "$USER_NAME" --password "$PASSWORD" --role viewer >/dev/null
else
  "$BIN" user set-password --username "$USER_NAME" --password "$PASSWORD" >/dev/null
fi
CW_PORT=$(free_port)
"$BIN" serve --listen "127.0.0.1:$CW_PORT" --threads 2 --workers 0 >"$WORK/churnwatch.log" 2>&1 &
PIDS+=($!)
# The same data behind a second server with its response and prediction
# caches off: the list and prediction rows repeat a few requests, which the
# first server answers from its cache after the first time, so these rows show
# the work each request costs when nothing is cached.
NC_PORT=$(free_port)
CHURNWATCH_CACHE_RESPONSE_TTL=0 CHURNWATCH_CACHE_PREDICTION_TTL=0 \
  "$BIN" serve --listen "127.0.0.1:$NC_PORT" --threads 2 --workers 0 >"$WORK/churnwatch-nocache.log" 2>&1 &
PIDS+=($!)

# --- reference -------------------------------------------------------------
export REF_DB=$WORK/reference/reference.db REF_MODEL=$WORK/reference/model.pkl
REF_DIR=$ROOT/bench/reference/drf
if [ ! -f "$REF_DB" ]; then
  mkdir -p "$WORK/reference"
  $PY "$REF_DIR/setup_reference.py" "$CSV" "$USER_NAME" "$PASSWORD" >/dev/null
else
  (cd "$REF_DIR" && DJANGO_SETTINGS_MODULE=refsite.settings $PY -c "
import django; django.setup()
from django.contrib.auth.models import User
u = User.objects.get(username='$USER_NAME'); u.set_password('$PASSWORD'); u.save()")
fi
REF_PORT=$(free_port)
# Two sync workers: how a Django app is usually served with what Debian ships.
$PY -m gunicorn --chdir "$REF_DIR" --workers 2 --bind "127.0.0.1:$REF_PORT" --log-level warning \
  refsite.wsgi:application >"$WORK/reference.log" 2>&1 &
PIDS+=($!)

wait_http "http://127.0.0.1:$CW_PORT/healthz" "$WORK/churnwatch.log"
wait_http "http://127.0.0.1:$NC_PORT/healthz" "$WORK/churnwatch-nocache.log"
for _ in $(seq 600); do
  curl -s -o /dev/null "http://127.0.0.1:$REF_PORT/api/v1/customers" && break
  sleep 0.1
done

login() {  # base url -> access token
  curl -fsS -X POST "$1/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$USER_NAME\",\"password\":\"$PASSWORD\"}" | jq -r '.access_token // .access'
}
CW=http://127.0.0.1:$CW_PORT
NC=http://127.0.0.1:$NC_PORT
REF=http://127.0.0.1:$REF_PORT
CW_TOKEN=$(login "$CW")
REF_TOKEN=$(login "$REF")
CW_LIST='/api/v1/customers?Geography=Germany&Age%5Bgte%5D=40&sort=-Balance&limit=20'
REF_LIST='/api/v1/customers?geography=Germany&age__gte=40&ordering=-balance&limit=20'

# Each endpoint must answer 200 before it is measured.
first_id=$(head -1 "$WORK/ids.txt")
body=$(head -1 "$WORK/bodies.jsonl")
for pair in "$CW $CW_TOKEN $CW_LIST" "$REF $REF_TOKEN $REF_LIST"; do
  set -- $pair
  curl -fsS -o /dev/null -H "Authorization: Bearer $2" "$1/api/v1/customers/$first_id"
  curl -fsS -o /dev/null -H "Authorization: Bearer $2" "$1$3"
  curl -fsS -o /dev/null -H "Authorization: Bearer $2" -H 'content-type: application/json' -d "$body" \
    "$1/api/v1/predict"
done

# run NAME BASE TOKEN MODE PATH RATE CONNECTIONS -> "rps p50 p99 errors requests"
run() {
  local out
  out=$(LOAD_TOKEN=$3 LOAD_MODE=$4 LOAD_PATH=$5 LOAD_PREFIX=/api/v1/customers/ LOAD_IDS=$WORK/ids.txt \
    LOAD_BODIES=$WORK/bodies.jsonl LOAD_RATE=$6 LOAD_THREADS=2 \
    wrk -t2 -c"$7" -d"${SECONDS_PER_RUN}s" --timeout 10s -s "$LUA" "$2" 2>&1 | grep '^RESULT' || true)
  [ -n "$out" ] || { echo "bench/http: wrk gave no result for $1" >&2; exit 1; }
  echo "$1 $out" >>"$WORK/results.txt"
  echo "  $1: $out" >&2
  echo "$out" | sed -E 's/.*requests=([0-9]+) errors=([0-9]+).*rps=([0-9.]+) p50_ms=([0-9.]+).*p99_ms=([0-9.]+).*/\3 \4 \5 \2 \1/'
}

echo "load: wrk -t2 -c$CONNS for ${SECONDS_PER_RUN}s per run; fixed rate $RATE req/s with 16 connections"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
: >"$WORK/results.txt"
declare -A R
R[cw_read]=$(run cw_read "$CW" "$CW_TOKEN" read "" 0 "$CONNS")
R[ref_read]=$(run ref_read "$REF" "$REF_TOKEN" read "" 0 "$CONNS")
R[cw_list]=$(run cw_list "$CW" "$CW_TOKEN" get "$CW_LIST" 0 "$CONNS")
R[ref_list]=$(run ref_list "$REF" "$REF_TOKEN" get "$REF_LIST" 0 "$CONNS")
R[nc_list]=$(run nc_list "$NC" "$CW_TOKEN" get "$CW_LIST" 0 "$CONNS")
R[cw_predict]=$(run cw_predict "$CW" "$CW_TOKEN" post /api/v1/predict 0 "$CONNS")
R[ref_predict]=$(run ref_predict "$REF" "$REF_TOKEN" post /api/v1/predict 0 "$CONNS")
R[nc_predict]=$(run nc_predict "$NC" "$CW_TOKEN" post /api/v1/predict 0 "$CONNS")
R[cw_rate]=$(run cw_rate "$CW" "$CW_TOKEN" read "" "$RATE" 16)
R[ref_rate]=$(run ref_rate "$REF" "$REF_TOKEN" read "" "$RATE" 16)

echo
printf '| %-26s | %12s | %7s | %7s | %12s | %8s | %8s | %7s |\n' endpoint "churnwatch/s" "p50 ms" "p99 ms" \
  "reference/s" "p50 ms" "p99 ms" ratio
printf '|%s|\n' "----------------------------|--------------|---------|---------|--------------|----------|----------|---------"
row() {  # label cw ref [fixed]  (a fixed-rate row has no throughput ratio)
  local fixed=${4:-}
  read -r a_rps a_p50 a_p99 a_err _ <<<"$2"
  read -r b_rps b_p50 b_p99 b_err _ <<<"$3"
  awk -v l="$1" -v ar="$a_rps" -v a5="$a_p50" -v a9="$a_p99" -v br="$b_rps" -v b5="$b_p50" -v b9="$b_p99" \
    -v ae="$a_err" -v be="$b_err" -v fixed="$fixed" 'BEGIN {
      ratio = fixed == "" ? sprintf("%6.1fx", ar / br) : "      -"
      printf "| %-26s | %12.0f | %7.2f | %7.2f | %12.0f | %8.2f | %8.2f | %s |\n", l, ar, a5, a9, br, b5, b9, ratio
      if (ae + be > 0) printf "|   errors: churnwatch %d, reference %d\n", ae, be }'
}
row "GET customer" "${R[cw_read]}" "${R[ref_read]}"
row "GET customers (filtered)" "${R[cw_list]}" "${R[ref_list]}"
row "  the same, no cache" "${R[nc_list]}" "${R[ref_list]}"
row "POST predict (what-if)" "${R[cw_predict]}" "${R[ref_predict]}"
row "  the same, no cache" "${R[nc_predict]}" "${R[ref_predict]}"
row "GET customer @ $RATE/s" "${R[cw_rate]}" "${R[ref_rate]}" fixed
echo
echo "targets: customer read >= 20,000 req/s on 2 cores; p99 < 10 ms at $RATE req/s; >= 20x the reference"
read -r cw_rps _ <<<"${R[cw_read]}"
read -r _ _ cw_rate_p99 _ <<<"${R[cw_rate]}"
read -r ref_rps _ <<<"${R[ref_read]}"
awk -v r="$cw_rps" -v p="$cw_rate_p99" -v b="$ref_rps" 'BEGIN {
  printf "  customer read: %.0f req/s (%s)\n", r, (r >= 20000 ? "met" : "missed")
  printf "  p99 at fixed rate: %.2f ms (%s)\n", p, (p < 10 ? "met" : "missed")
  printf "  vs reference: %.1fx (%s)\n", r / b, (r / b >= 20 ? "met" : "missed") }'
echo "(wrk shares the 2 cores with the server under test; absolute numbers depend on what else runs)"
