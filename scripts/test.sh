#!/usr/bin/env bash
# make test: every suite against the one build in build/. Unit, store,
# service and HTTP suites run through CTest (real SQLite files, a real HTTP
# server on a loopback port). Then the web UI's vitest suite and the browser
# end-to-end scenarios (tests/e2e/run.sh).
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
