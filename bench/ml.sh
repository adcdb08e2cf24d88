#!/bin/sh
# ML engine benchmark: churnwatch (XGBoost C API) against the replaced
# system's grid-searched random forest and scikit-learn's
# HistGradientBoosting, on the same rows, features and split, in one run.
#
#   bench/ml.sh [CSV]      default: the bank demo file when present, else
#                          generated customers (ROWS, SEED env; 10000, 7)
# Env: BUILD_DIR (default build-release, configured Release), WORK_DIR.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build-release}
WORK_DIR=${WORK_DIR:-$(mktemp -d /tmp/churnwatch-ml-bench.XXXXXX)}
SHARED=${CHURNWATCH_SHARED_DATA:-$ROOT/../shared/data}

if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$BUILD_DIR" --target ml_bench -j2 >/dev/null
BENCH="$BUILD_DIR/ml_bench"

CSV=${1:-}
if [ -z "$CSV" ]; then
  if [ -f "$SHARED/Churn_Modelling.csv" ]; then
    CSV="$SHARED/Churn_Modelling.csv"
  else
    CSV="$WORK_DIR/generated.csv"
    if [ -x "$BUILD_DIR/churnwatch" ] && "$BUILD_DIR/churnwatch" demo-data --help >/dev/null 2>&1; then
      "$BUILD_DIR/churnwatch" demo-data --rows "${ROWS:-10000}" --seed "${SEED:-7}" --output "$CSV"
    else
      "$BENCH" generate "${ROWS:-10000}" "${SEED:-7}" "$CSV"
    fi
  fi
fi
echo "data: $CSV"
"$BENCH" export "$CSV" "$WORK_DIR"
/usr/bin/python3 "$ROOT/bench/reference/ml_reference.py" "$WORK_DIR"
"$BENCH" run "$CSV" "$WORK_DIR"
