#!/usr/bin/env bash
# make test-stability: a bounded hunt for flaky tests (not part of make test).
# Runs every CTest suite again and again, two tests at a time, on the release
# build and on the ASan build, then the browser scenarios and the fault suite
# a few times each, and prints one table: what ran, how often, what failed.
# A test that fails once here is a bug to fix at its cause.
#
#   STABILITY_REPEATS=5         ctest --repeat until-fail:N on build/
#   STABILITY_ASAN_REPEATS=3    the same on build/asan (0 skips the ASan build)
#   STABILITY_TRACKING_REPEATS=200  the tracker suites alone on build/asan
#   STABILITY_E2E_RUNS=2        tests/e2e/run.sh
#   STABILITY_FAULT_RUNS=1      tests/faults/run.sh
#   STABILITY_JOBS=2            tests at once (ctest -j)
set -uo pipefail
cd "$(dirname "$0")/.."

repeats=${STABILITY_REPEATS:-5}
asan_repeats=${STABILITY_ASAN_REPEATS:-3}
tracking_repeats=${STABILITY_TRACKING_REPEATS:-200}
e2e_runs=${STABILITY_E2E_RUNS:-2}
fault_runs=${STABILITY_FAULT_RUNS:-1}
jobs=${STABILITY_JOBS:-2}

export CHURNWATCH_SHARED_DATA="${CHURNWATCH_SHARED_DATA:-$(cd .. && pwd)/shared/data}"
log_dir=build/stability
mkdir -p "$log_dir"
rows=()
failed=0

if services="$(scripts/test-services.sh start)"; then
  eval "$services"
else
  echo "note: test services did not start; PostgreSQL and Redis tests will be skipped"
fi
trap 'scripts/test-services.sh stop' EXIT

# ctest_round NAME BUILD_DIR REPEATS [ctest args...]: one row of the table,
# from ctest's own summary and its list of failed tests.
ctest_round() {
  local name=$1 dir=$2 n=$3
  shift 3
  local log="$log_dir/$name.log" started=$SECONDS
  echo "== $name: ctest --test-dir $dir --repeat until-fail:$n -j$jobs $*"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 900 --repeat "until-fail:$n" "$@" >"$log" 2>&1
  local rc=$?
  local summary
  summary=$(grep -E 'tests passed, [0-9]+ tests? failed out of' "$log" | tail -n 1)
  rows+=("$(printf '%-28s %4s x  %-48s %5d s' "$name" "$n" "${summary:-no summary (see $log)}" $((SECONDS - started)))")
  if [ $rc -ne 0 ]; then
    failed=1
    sed -n '/The following tests FAILED/,$p' "$log" | head -n 30
  fi
}

# run_round NAME RUNS COMMAND...: the command RUNS times, counting failures.
run_round() {
  local name=$1 n=$2
  shift 2
  local fails=0 started=$SECONDS i
  for ((i = 1; i <= n; i++)); do
    echo "== $name: run $i of $n"
    if ! "$@" >"$log_dir/$name-$i.log" 2>&1; then
      fails=$((fails + 1))
      failed=1
      echo "$name run $i failed; last lines of $log_dir/$name-$i.log:"
      tail -n 30 "$log_dir/$name-$i.log"
    fi
  done
  rows+=("$(printf '%-28s %4s x  %-48s %5d s' "$name" "$n" "$((n - fails)) passed, $fails failed" $((SECONDS - started)))")
}

ctest_round "release: every suite" build "$repeats"

if [ "$asan_repeats" -gt 0 ]; then
  cmake --preset asan >/dev/null && cmake --build build/asan -j "$(nproc)" >"$log_dir/asan-build.log" 2>&1 ||
    { echo "ASan build failed; see $log_dir/asan-build.log"; exit 1; }
  export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  export LSAN_OPTIONS="suppressions=$PWD/scripts/sanitizers/lsan.supp:print_suppressions=0"
  ctest_round "asan: tracker suites" build/asan "$tracking_repeats" -R 'FileLayout|FileTracker'
  ctest_round "asan: every suite" build/asan "$asan_repeats"
fi

[ "$e2e_runs" -gt 0 ] && run_round "browser scenarios" "$e2e_runs" tests/e2e/run.sh build/churnwatch
[ "$fault_runs" -gt 0 ] && run_round "fault suite" "$fault_runs" tests/faults/run.sh

echo
echo "== stability: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%s\n' "${rows[@]}"
echo "logs: $log_dir/"
exit $failed
