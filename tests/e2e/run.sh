#!/usr/bin/env bash
# Browser end-to-end tests: starts churnwatch on a free loopback port with a
# fresh data folder and three users, drives the built UI in headless
# Chromium (playwright-core from web/node_modules, no browser download),
# saves screenshots under build/e2e-screenshots/, always stops the server.
#
#   tests/e2e/run.sh [path/to/churnwatch [test files...]]
#     (default build/churnwatch and every tests/e2e/*.test.mjs; name files,
#     e.g. tests/e2e/ui.test.mjs, to run only those, in the order given)
# Needs: web/dist (npm run build in web/), web/node_modules, /usr/bin/chromium.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${1:-build/churnwatch}
only=("${@:2}")
[[ $bin = /* ]] || bin="$PWD/$bin"
[[ -x $bin ]] || { echo "e2e: churnwatch binary not found at $bin" >&2; exit 2; }
web_dir="$root/web/dist"
[[ -f $web_dir/index.html ]] || { echo "e2e: $web_dir missing; run 'npm run build' in web/" >&2; exit 2; }
[[ -d $root/web/node_modules/playwright-core ]] || { echo "e2e: web/node_modules missing; run 'npm ci' in web/" >&2; exit 2; }
export E2E_CHROMIUM=${E2E_CHROMIUM:-/usr/bin/chromium}
[[ -x $E2E_CHROMIUM ]] || { echo "e2e: $E2E_CHROMIUM missing (Debian package chromium)" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/churnwatch-e2e.XXXXXX")
server_pid=""
cleanup() {
  local rc=$?
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ $rc -ne 0 && -f $tmp/server.log ]]; then
    echo "--- server log (last 40 lines) ---" >&2
    tail -n 40 "$tmp/server.log" >&2
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT INT TERM

data="$tmp/data"
"$bin" migrate --data-dir "$data" >/dev/null
export E2E_ADMIN_PASSWORD=admin-pass-e2e-1 E2E_ANALYST_PASSWORD=analyst-pass-e2e-1 E2E_VIEWER_PASSWORD=viewer-pass-e2e-1
"$bin" user create --data-dir "$data" --username admin --password "$E2E_ADMIN_PASSWORD" --role admin >/dev/null
"$bin" user create --data-dir "$data" --username analyst --password "$E2E_ANALYST_PASSWORD" --role analyst >/dev/null
"$bin" user create --data-dir "$data" --username viewer --password "$E2E_VIEWER_PASSWORD" --role viewer >/dev/null
"$bin" demo-data --rows 800 --seed 7 >"$tmp/customers.csv"

port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
# Every test signs in from 127.0.0.1: lift the per-address sign-in limit (10/min by default).
# Alert webhooks may point at the local Discord stand-in (tests/e2e/discord_standin.mjs).
# A lower high-risk threshold than the default 0.7 puts some of the small
# demo table's customers on the risk monitor's high-risk list.
CHURNWATCH_LOGIN_RATE_LIMIT=600 CHURNWATCH_HIGH_RISK_THRESHOLD=0.4 CHURNWATCH_WEBHOOK_ALLOW_HOSTS=127.0.0.1 "$bin" serve --data-dir "$data" --listen "127.0.0.1:$port" --web-dir "$web_dir" --threads 2 >"$tmp/server.log" 2>&1 &
server_pid=$!
export E2E_BASE_URL="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$E2E_BASE_URL/readyz"; then break; fi
  kill -0 "$server_pid" 2>/dev/null || { echo "e2e: server exited" >&2; exit 1; }
  sleep 0.1
done

export E2E_CSV="$tmp/customers.csv" E2E_TMP="$tmp"
export E2E_SCREENSHOTS="$root/build/e2e-screenshots"
mkdir -p "$E2E_SCREENSHOTS"
# ui.test.mjs imports the customers the later scenarios (models, risk) use,
# so it runs first, then the other files one by one in name order.
tests=("$root/tests/e2e/ui.test.mjs")
for t in "$root"/tests/e2e/*.test.mjs; do [[ $t = */ui.test.mjs ]] || tests+=("$t"); done
if ((${#only[@]})); then
  tests=()
  for t in "${only[@]}"; do
    [[ $t = /* ]] || t="$PWD/$t"
    [[ -f $t ]] || { echo "e2e: no test file $t" >&2; exit 2; }
    tests+=("$t")
  done
fi
failed=0
for t in "${tests[@]}"; do
  node --test --test-reporter=spec "$t" || failed=1
done
exit "$failed"
