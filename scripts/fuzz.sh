#!/usr/bin/env bash
# make fuzz: builds the libFuzzer targets in fuzz/ (clang, ASan+UBSan; the
# `fuzz` preset, build/fuzz) and runs each for FUZZ_SECONDS (default 60) from
# its committed seed corpus in fuzz/corpus/<target>/. Inputs the fuzzer finds
# interesting go to build/fuzz/corpus/<target>/ so the committed seeds stay
# small and hand-made; a crashing input is written to
# build/fuzz/crashes/<target>/ and fails the run. Every crash becomes a
# regression test in the normal suites before its fix lands.
#   FUZZ_SECONDS=600 make fuzz          longer runs
#   FUZZ_TARGETS="csv jwt" make fuzz    some targets only
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-60}"
targets=(${FUZZ_TARGETS:-csv json_body jwt query schema multipart})
jobs="${JOBS:-$(nproc)}"

cmake --preset fuzz >/dev/null
cmake --build build/fuzz -j "$jobs" --target "${targets[@]/#/fuzz_}"

failed=()
for t in "${targets[@]}"; do
  work="build/fuzz/corpus/$t"
  crashes="build/fuzz/crashes/$t"
  mkdir -p "$work" "$crashes"
  echo "fuzz_$t: ${seconds}s from fuzz/corpus/$t"
  # -timeout: an input that takes 10 s is a hang worth reporting;
  # -rss_limit_mb: a parser that balloons on small input is a bug too.
  if ! "build/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=8192 -print_final_stats=1 -artifact_prefix="$crashes/" \
      "$work" "fuzz/corpus/$t" >"build/fuzz/$t.log" 2>&1; then
    failed+=("$t")
    tail -n 60 "build/fuzz/$t.log"
    echo "fuzz_$t FAILED; reproduce with: build/fuzz/fuzz_$t $crashes/<file>"
  else
    grep -E '^stat::number_of_executed_units|^Done' "build/fuzz/$t.log" | tr '\n' ' '
    echo
  fi
done
[ ${#failed[@]} -eq 0 ] || { echo "fuzz targets failed: ${failed[*]}"; exit 1; }
