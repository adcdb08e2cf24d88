#!/usr/bin/env bash
# make test: every suite, in phases, each printing how long it took.
#   1. CTest on the release build in build/: unit, store, service and HTTP
#      suites (real SQLite files, PostgreSQL and Redis on loopback, a real HTTP
#      server on a loopback port).
#   2. The web UI's vitest suite, then the browser scenarios in headless
#      Chromium against build/churnwatch (tests/e2e/run.sh).
#   3. Faults injected into a loopback cluster behind nginx (tests/faults/).
#   4. Each libFuzzer target for FUZZ_SECONDS (default here 20) from its seed
#      corpus (build/fuzz).
#   5. Every CTest suite again under ASan+UBSan (build/asan), and the server
#      and queue suites under TSan (build/tsan): scripts/test-sanitizers.sh.
#      CHURNWATCH_TEST_SANITIZERS=0 skips this phase for a quicker local run.
set -euo pipefail
cd "$(dirname "$0")/.."

export CHURNWATCH_SHARED_DATA="${CHURNWATCH_SHARED_DATA:-$(cd .. && pwd)/shared/data}"
[ -f "$CHURNWATCH_SHARED_DATA/Churn_Modelling.csv" ] ||
  echo "note: $CHURNWATCH_SHARED_DATA/Churn_Modelling.csv is absent; tests on the bank table will be skipped"

started=$SECONDS
phase_started=$SECONDS
phase() {
  local now=$SECONDS
  [ -z "${phase_name:-}" ] ||
    echo "== ${phase_name}: $((now - phase_started)) s (make test so far: $((now - started)) s)"
  phase_name=$1 phase_started=$now
  [ "$1" = done ] || echo "== $1"
}

# Private PostgreSQL and Redis servers for the backend suites, stopped however
# the run ends; without them those suites skip.
if services="$(scripts/test-services.sh start)"; then
  eval "$services"
else
  echo "note: test services did not start; PostgreSQL and Redis tests will be skipped"
fi
trap 'scripts/test-services.sh stop' EXIT

phase "CTest suites (build/)"
ctest --test-dir build --output-on-failure -j "$(nproc)" --timeout 300

phase "web UI unit tests and browser scenarios"
(cd web && npm test --silent)
tests/e2e/run.sh build/churnwatch

phase "fault suite"
tests/faults/run.sh

phase "fuzzing"
FUZZ_SECONDS="${FUZZ_SECONDS:-20}" scripts/fuzz.sh

if [ "${CHURNWATCH_TEST_SANITIZERS:-1}" != 0 ]; then
  phase "sanitizers"
  scripts/test-sanitizers.sh
fi
phase done
