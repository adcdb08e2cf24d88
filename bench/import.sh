#!/bin/sh
# Import throughput: churnwatch vs the Python csv + sqlite3 reference, same
# file, same run. Usage: bench/import.sh [build-dir] [rows]
# The build dir must hold import_bench (cmake --build <dir> --target import_bench);
# use a Release build for meaningful numbers.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
rows=${2:-1000000}
work=$(mktemp -d "${TMPDIR:-/tmp}/churnwatch-import-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

"$build/import_bench" generate "$rows" 42 "$work/customers.csv"
echo "input: $rows rows, $(du -h "$work/customers.csv" | cut -f1)"
ours=$("$build/import_bench" import "$work/customers.csv" "$work/churnwatch.db")
echo "$ours"
ref=$(/usr/bin/python3 "$here/reference/import_reference.py" "$work/customers.csv" "$work/reference.db")
echo "$ref"
ours_rate=$(echo "$ours" | sed -n 's/.*= \([0-9]*\) rows\/s.*/\1/p')
ref_rate=$(echo "$ref" | sed -n 's/.*= \([0-9]*\) rows\/s.*/\1/p')
awk -v a="$ours_rate" -v b="$ref_rate" 'BEGIN { printf "ratio: churnwatch is %.2fx the reference\n", a / b }'
