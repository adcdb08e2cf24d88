#!/usr/bin/env bash
# Private database servers for the test suites: a throw-away PostgreSQL 15
# cluster and a Redis server, each on a free loopback port, trust auth, no
# persistence worth keeping.
#
#   scripts/test-services.sh start     starts both; prints `export VAR=...` lines
#   scripts/test-services.sh env       prints the same lines for running services
#   scripts/test-services.sh stop      stops both and removes their files
#   scripts/test-services.sh pg-ctl V  runs `pg_ctl V` (restart, stop, start)
#                                      on the cluster, as its owner
#
# Usage: eval "$(scripts/test-services.sh start)". The variables are
#   CHURNWATCH_TEST_POSTGRES_URL  postgresql://postgres@127.0.0.1:PORT/postgres
#   CHURNWATCH_TEST_POSTGRES_CTL  command prefix; append a pg_ctl verb
#   CHURNWATCH_TEST_REDIS_URL     redis://127.0.0.1:PORT
# Everything lives in $CHURNWATCH_TEST_SERVICES_DIR (default: a folder in /tmp
# per user), so `stop` finds what `start` made. A service whose program is not
# installed is left out with a note on stderr; tests needing it then skip.
set -euo pipefail

SCRIPT="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
STATE="${CHURNWATCH_TEST_SERVICES_DIR:-${TMPDIR:-/tmp}/churnwatch-test-services-$(id -u)}"
PG_BIN="${CHURNWATCH_PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_DATA="$STATE/pg/data"
PG_LOG="$STATE/pg/server.log"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# initdb and postgres refuse to run as root, so as root they run as the
# `postgres` system user (created when absent).
as_pg_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start_postgres() {
  if [ ! -x "$PG_BIN/initdb" ]; then
    echo "test-services: $PG_BIN/initdb not found (install postgresql); PostgreSQL tests will skip" >&2
    return 0
  fi
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
  mkdir -p "$STATE/pg"
  [ "$(id -u)" -eq 0 ] && chown postgres "$STATE/pg"
  local port
  port="$(free_port)"
  as_pg_owner "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$STATE/pg/initdb.log" 2>&1 || {
    cat "$STATE/pg/initdb.log" >&2
    return 1
  }
  # Settings live in the config file so that `pg-ctl restart` keeps them.
  # Durability is traded for speed: this cluster is thrown away.
  as_pg_owner tee -a "$PG_DATA/postgresql.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$STATE/pg'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
  as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start >/dev/null || {
    cat "$PG_LOG" >&2
    return 1
  }
  {
    echo "export CHURNWATCH_TEST_POSTGRES_URL='postgresql://postgres@127.0.0.1:$port/postgres'"
    echo "export CHURNWATCH_TEST_POSTGRES_CTL='CHURNWATCH_TEST_SERVICES_DIR=$STATE $SCRIPT pg-ctl'"
  } >>"$STATE/env"
}

start_redis() {
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "test-services: redis-server not found (install redis-server); Redis tests will skip" >&2
    return 0
  fi
  mkdir -p "$STATE/redis"
  local port
  port="$(free_port)"
  redis-server --save '' --appendonly no --port "$port" --bind 127.0.0.1 --daemonize yes \
    --pidfile "$STATE/redis/redis.pid" --dir "$STATE/redis" --logfile "$STATE/redis/redis.log"
  # Daemonized: wait until it answers.
  for _ in $(seq 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "export CHURNWATCH_TEST_REDIS_URL='redis://127.0.0.1:$port'" >>"$STATE/env"
      return 0
    fi
    sleep 0.1
  done
  echo "test-services: redis-server did not come up on port $port" >&2
  return 1
}

stop_all() {
  if [ -f "$PG_DATA/postmaster.pid" ]; then
    as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [ -f "$STATE/redis/redis.pid" ]; then
    kill "$(cat "$STATE/redis/redis.pid")" 2>/dev/null || true
  fi
  rm -rf "$STATE"
}

case "${1:-}" in
  start)
    stop_all  # a previous run that died half-way
    mkdir -p "$STATE"
    chmod 755 "$STATE"
    : >"$STATE/env"
    start_postgres || { stop_all; exit 1; }
    start_redis || { stop_all; exit 1; }
    cat "$STATE/env"
    ;;
  env)
    [ -f "$STATE/env" ] && cat "$STATE/env"
    ;;
  stop)
    stop_all
    ;;
  pg-ctl)
    shift
    as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 "$@" >/dev/null
    ;;
  *)
    echo "usage: $0 start|env|stop|pg-ctl <verb>" >&2
    exit 2
    ;;
esac
