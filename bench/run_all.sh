#!/usr/bin/env bash
# make bench: every benchmark against the release build in build/, each
# printing ratios against its reference measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --build build --target import_bench ml_bench -j "$(nproc)"
echo "== import: 1,000,000 generated customers into SQLite vs Python csv + sqlite3"
bench/import.sh build 1000000
echo
echo "== ml: training, accuracy and scoring vs scikit-learn"
BUILD_DIR=build bench/ml.sh
echo
echo "== http: customer read, filtered list and prediction vs Django REST Framework + scikit-learn"
bench/http.sh build
