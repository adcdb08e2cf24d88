#!/usr/bin/env bash
# make cluster / make cluster-stop: a churnwatch fleet on loopback, shaped
# like deploy/: PostgreSQL, Redis, nginx in front of two `churnwatch serve`,
# and two `churnwatch worker`, with demo customers, a trained model and an
# admin account.
#
#   scripts/cluster.sh start    starts everything, prints the URL and login
#   scripts/cluster.sh stop     stops everything and removes its files
#   scripts/cluster.sh status   what runs, with pids and ports
#   scripts/cluster.sh env      `export` lines describing the running cluster
#                               (used by the fault suite, tests/faults/)
#
# Everything lives in $CHURNWATCH_CLUSTER_DIR (default: a folder in /tmp per
# user); nginx listens on $CHURNWATCH_CLUSTER_PORT (default 8090), the other
# processes on free loopback ports. PostgreSQL and Redis are private
# throw-away servers started by scripts/test-services.sh. When the binary
# cannot use PostgreSQL, the servers and workers share one SQLite database
# in WAL mode instead (one host only), and the script says so.
# Settings in the environment (CHURNWATCH_RATE_LIMIT, ...) pass through to
# every churnwatch process.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${CHURNWATCH_BIN:-$ROOT/build/churnwatch}"
STATE="${CHURNWATCH_CLUSTER_DIR:-${TMPDIR:-/tmp}/churnwatch-cluster-$(id -u)}"
PORT="${CHURNWATCH_CLUSTER_PORT:-8090}"
NGINX="${CHURNWATCH_NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"
BANK="${CHURNWATCH_SHARED_DATA:-$ROOT/../shared/data}/Churn_Modelling.csv"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

say() { echo "cluster: $*" >&2; }

# wait_http URL SECONDS: true once URL answers 2xx.
wait_http() {
  local deadline=$((SECONDS + $2))
  while [ "$SECONDS" -lt "$deadline" ]; do
    curl -fs -o /dev/null --max-time 2 "$1" && return 0
    sleep 0.2
  done
  return 1
}

# The environment every churnwatch process of the cluster gets.
load_env() {
  # shellcheck disable=SC1091
  source "$STATE/cluster.env"
}

start_churnwatch() {  # name, then the arguments
  local name=$1
  shift
  (
    load_env
    exec "$BIN" "$@" >>"$STATE/logs/$name.log" 2>&1
  ) &
  echo $! >"$STATE/pids/$name"
}

# start_server N: serve on its port (kept in ports/serverN across restarts).
start_server() {
  local port
  port=$(cat "$STATE/ports/server$1")
  start_churnwatch "server$1" serve --listen "127.0.0.1:$port" --workers 0
}

start_worker() { start_churnwatch "worker$1" worker; }

write_nginx_conf() {
  mkdir -p "$STATE/nginx/logs" "$STATE/nginx/temp" "$STATE/nginx/cache"
  local user_line=""
  # As root nginx's workers drop to nobody; they must reach the temp dirs.
  if [ "$(id -u)" -eq 0 ]; then
    user_line="user nobody nogroup;"
    chown -R nobody:nogroup "$STATE/nginx/temp" "$STATE/nginx/cache"
  fi
  cat >"$STATE/nginx/nginx.conf" <<NGINX
# Written by scripts/cluster.sh; the locations come from deploy/nginx.
$user_line
worker_processes 1;
pid $STATE/nginx/nginx.pid;
error_log $STATE/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
    # Which server answered each request: the fault suite reads it.
    log_format cluster '\$remote_addr [\$time_local] "\$request" \$status \$upstream_addr \$request_time';
    access_log $STATE/nginx/logs/access.log cluster;
    client_body_temp_path $STATE/nginx/temp/body;
    proxy_temp_path $STATE/nginx/temp/proxy;
    fastcgi_temp_path $STATE/nginx/temp/fastcgi;
    uwsgi_temp_path $STATE/nginx/temp/uwsgi;
    scgi_temp_path $STATE/nginx/temp/scgi;
    types { text/html html; application/javascript js; text/css css; image/svg+xml svg; }
    upstream churnwatch_api {
        server 127.0.0.1:$(cat "$STATE/ports/server1") max_fails=3 fail_timeout=10s;
        server 127.0.0.1:$(cat "$STATE/ports/server2") max_fails=3 fail_timeout=10s;
        keepalive 64;
    }
    proxy_cache_path $STATE/nginx/cache levels=1:2 keys_zone=churnwatch_assets:8m max_size=64m inactive=1d use_temp_path=off;
    server {
        listen 127.0.0.1:$PORT;
        client_max_body_size 256m;
        include $ROOT/deploy/nginx/churnwatch-proxy.conf;
    }
}
NGINX
}

start() {
  [ -x "$BIN" ] || { say "$BIN is not built (make build)"; exit 1; }
  [ -x "$NGINX" ] || { say "nginx is not installed (make deps installs it)"; exit 1; }
  stop_all quiet
  mkdir -p "$STATE"/{logs,pids,ports,data}
  chmod 700 "$STATE/data"

  # PostgreSQL and Redis, private to the cluster.
  local services
  services=$(CHURNWATCH_TEST_SERVICES_DIR="$STATE/services" "$ROOT/scripts/test-services.sh" start)
  eval "$services"
  local pg_url=${CHURNWATCH_TEST_POSTGRES_URL:-} redis_url=${CHURNWATCH_TEST_REDIS_URL:-}

  local jwt secret
  jwt=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  local database_url="sqlite://$STATE/data/churnwatch.db" backend="SQLite (WAL) shared by every process"
  if [ -n "$pg_url" ] && CHURNWATCH_DATA_DIR="$STATE/data" "$BIN" migrate --database-url "$pg_url" \
    >"$STATE/logs/migrate.log" 2>&1; then
    database_url=$pg_url
    backend="PostgreSQL"
  elif [ -n "$pg_url" ]; then
    say "this build cannot use PostgreSQL ($(tail -1 "$STATE/logs/migrate.log")); using SQLite"
  fi
  {
    echo "export CHURNWATCH_DATA_DIR='$STATE/data'"
    echo "export CHURNWATCH_DATABASE_URL='$database_url'"
    [ -n "$redis_url" ] && echo "export CHURNWATCH_REDIS_URL='$redis_url'"
    echo "export CHURNWATCH_JWT_SECRET='$jwt'"
    echo "export CHURNWATCH_SECRET_KEY='$secret'"
    echo "export CHURNWATCH_TRUSTED_PROXIES='127.0.0.1'"
    # Browsers open the UI through nginx: that is the origin the cookie checks.
    echo "export CHURNWATCH_PUBLIC_URL='http://127.0.0.1:$PORT'"
    echo "export CHURNWATCH_WEB_DIR='$ROOT/web/dist'"
  } >"$STATE/cluster.env"
  load_env

  say "database: $backend; redis: ${redis_url:-none}"
  if [ -f "$BANK" ]; then
    say "loading the demo bank customers from $BANK"
    "$BIN" import "$BANK" >"$STATE/logs/import.log" 2>&1
  else
    say "loading 10,000 generated demo customers (seed 42)"
    "$BIN" demo-data --rows 10000 --seed 42 | "$BIN" import - >"$STATE/logs/import.log" 2>&1
  fi
  say "training the first model and scoring every customer"
  "$BIN" train --search-budget 2 >"$STATE/logs/train.log" 2>&1
  "$BIN" score >"$STATE/logs/score.log" 2>&1
  local password
  password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 16)
  "$BIN" user create --username admin --password "$password" --role admin >/dev/null
  (umask 077 && echo "$password" >"$STATE/admin-password")

  for n in 1 2; do
    free_port >"$STATE/ports/server$n"
    start_server "$n"
  done
  for n in 1 2; do start_worker "$n"; done
  for n in 1 2; do
    wait_http "http://127.0.0.1:$(cat "$STATE/ports/server$n")/healthz" 60 ||
      { say "server$n did not come up:"; tail -20 "$STATE/logs/server$n.log" >&2; exit 1; }
  done

  write_nginx_conf
  "$NGINX" -p "$STATE/nginx" -c "$STATE/nginx/nginx.conf" -e "$STATE/nginx/logs/error.log" ||
    { say "nginx did not start:"; tail -20 "$STATE/nginx/logs/error.log" >&2; exit 1; }
  wait_http "http://127.0.0.1:$PORT/healthz" 30 || { say "nginx does not answer on $PORT"; exit 1; }

  echo
  echo "  churnwatch cluster: http://127.0.0.1:$PORT/   (nginx -> 2 servers, 2 workers; $backend, redis ${redis_url:-none})"
  echo "  log in as:          admin / $password   (kept in $STATE/admin-password)"
  echo "  logs:               $STATE/logs/   stop with: make cluster-stop"
  echo
}

# stop_pid FILE: SIGTERM, then SIGKILL after 15 s.
stop_pid() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 150); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}

stop_all() {
  [ -d "$STATE" ] || return 0
  if [ -f "$STATE/nginx/nginx.pid" ]; then
    "$NGINX" -p "$STATE/nginx" -c "$STATE/nginx/nginx.conf" -e "$STATE/nginx/logs/error.log" -s quit 2>/dev/null ||
      kill "$(cat "$STATE/nginx/nginx.pid")" 2>/dev/null || true
  fi
  for f in "$STATE"/pids/*; do [ -f "$f" ] && stop_pid "$f"; done
  CHURNWATCH_TEST_SERVICES_DIR="$STATE/services" "$ROOT/scripts/test-services.sh" stop
  rm -rf "$STATE"
  [ "${1:-}" = quiet ] || say "stopped"
}

status() {
  [ -f "$STATE/cluster.env" ] || { say "not running"; return 1; }
  echo "nginx   http://127.0.0.1:$PORT/  pid $(cat "$STATE/nginx/nginx.pid" 2>/dev/null || echo -)"
  for f in "$STATE"/pids/*; do
    local name pid state=stopped
    name=$(basename "$f")
    pid=$(cat "$f")
    kill -0 "$pid" 2>/dev/null && state=running
    echo "$name pid $pid $state$([ -f "$STATE/ports/$name" ] && echo " port $(cat "$STATE/ports/$name")")"
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop_all ;;
  status) status ;;
  env)
    cat "$STATE/cluster.env"
    echo "export CHURNWATCH_CLUSTER_URL='http://127.0.0.1:$PORT'"
    echo "export CHURNWATCH_CLUSTER_STATE='$STATE'"
    CHURNWATCH_TEST_SERVICES_DIR="$STATE/services" "$ROOT/scripts/test-services.sh" env
    ;;
  # For the fault suite: (re)start one process of a running cluster.
  start-server) start_server "$2" ;;
  start-worker) start_worker "$2" ;;
  *)
    echo "usage: $0 start|stop|status|env" >&2
    exit 2
    ;;
esac
