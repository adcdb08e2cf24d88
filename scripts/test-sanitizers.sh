#!/usr/bin/env bash
# make test-sanitizers: the CTest suites again under sanitizers, each preset in
# its own folder inside build/ (sharing the compiler cache):
#   build/asan  AddressSanitizer + UndefinedBehaviorSanitizer, every suite
#               except those named in ASAN_EXCLUDE (a ctest -E regex)
#   build/tsan  ThreadSanitizer, the server and queue suites (test_http,
#               test_queue: the HTTP server's threads, the worker pool, the
#               job queues)
# Any sanitizer report fails the test that triggered it. UBSan's vptr check is
# off: it needs type information that Debian's SOCI libraries do not export.
#   SANITIZERS=asan make test-sanitizers   one preset only
set -euo pipefail
cd "$(dirname "$0")/.."

presets=(${SANITIZERS:-asan tsan})
jobs="${JOBS:-$(nproc)}"

export CHURNWATCH_SHARED_DATA="${CHURNWATCH_SHARED_DATA:-$(cd .. && pwd)/shared/data}"
# Standalone runs get their own PostgreSQL and Redis; under make test they are
# already running.
if [ -z "${CHURNWATCH_TEST_POSTGRES_URL:-}${CHURNWATCH_TEST_REDIS_URL:-}" ]; then
  if services="$(scripts/test-services.sh start)"; then
    eval "$services"
    trap 'scripts/test-services.sh stop' EXIT
  else
    echo "note: test services did not start; PostgreSQL and Redis tests will be skipped"
  fi
fi

# halt_on_error/abort: a report is a failing test, not a line in a log.
# detect_leaks: leaks in our code are bugs too; third-party leaks are
# suppressed by name in scripts/sanitizers/lsan.supp.
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$PWD/scripts/sanitizers/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/scripts/sanitizers/tsan.supp${TSAN_OPTIONS:+:$TSAN_OPTIONS}"

for preset in "${presets[@]}"; do
  cmake --preset "$preset" >/dev/null
  case "$preset" in
    asan)
      cmake --build build/asan -j "$jobs"
      # ASan slows our code several-fold; the timeout leaves room for that.
      ctest --test-dir build/asan --output-on-failure -j "$jobs" --timeout 900 \
        ${ASAN_EXCLUDE:+-E "$ASAN_EXCLUDE"}
      ;;
    tsan)
      cmake --build build/tsan -j "$jobs" --target test_http test_queue
      ctest --test-dir build/tsan --output-on-failure -j "$jobs" --timeout 900 -L '^(http|queue)$'
      ;;
    *) echo "unknown sanitizer preset '$preset' (asan, tsan)" >&2; exit 2 ;;
  esac
done
