#!/usr/bin/env bash
# make test: every suite against the one build in build/. Unit, store,
# service and HTTP suites run through CTest (real SQLite files, a real HTTP
# server on a loopback port). Then the web UI's vitest suite and the browser
# end-to-end scenarios (tests/e2e/run.sh). Last, each libFuzzer target runs
# for FUZZ_SECONDS (default here 20) from its seed corpus; with
# CHURNWATCH_TEST_SANITIZERS=1 also every suite under ASan+UBSan and the
# server/queue suites under TSan (make test-sanitizers; not yet on by default
# because its time on a fresh 2-core machine is not measured yet).
set -euo pipefail
cd "$(dirname "$0")/.."

export CHURNWATCH_SHARED_DATA="${CHURNWATCH_SHARED_DATA:-$(cd .. && pwd)/shared/data}"
[ -f "$CHURNWATCH_SHARED_DATA/Churn_Modelling.csv" ] ||
  echo "note: $CHURNWATCH_SHARED_DATA/Churn_Modelling.csv is absent; tests on the bank table will be skipped"

# Private PostgreSQL and Redis servers for the backend suites, stopped however
# the run ends; without them those suites skip.
if services="$(scripts/test-services.sh start)"; then
  eval "$services"
else
  echo "note: test services did not start; PostgreSQL and Redis tests will be skipped"
fi
trap 'scripts/test-services.sh stop' EXIT

ctest --test-dir build --output-on-failure -j "$(nproc)" --timeout 300

# The web UI: unit tests, then the browser scenarios against build/churnwatch.
(cd web && npm test --silent)
tests/e2e/run.sh build/churnwatch

# Faults injected into a loopback cluster behind nginx (about two minutes).
tests/faults/run.sh

# Hardening: short fuzz runs, then the sanitizer builds (build/fuzz,
# build/asan, build/tsan; they share build/.ccache).
FUZZ_SECONDS="${FUZZ_SECONDS:-20}" scripts/fuzz.sh
if [ "${CHURNWATCH_TEST_SANITIZERS:-0}" = 1 ]; then scripts/test-sanitizers.sh; fi
