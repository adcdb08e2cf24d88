#!/usr/bin/env bash
# make run: on first start, fill a data folder with demo customers (the bank
# table beside the repo when present, else generated ones), a first trained
# model with every customer scored, and an admin account; then serve.
# Settings: CHURNWATCH_DATA_DIR (default ./data),
# CHURNWATCH_LISTEN (default 127.0.0.1:8080).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=build/churnwatch
data="${CHURNWATCH_DATA_DIR:-data}"
listen="${CHURNWATCH_LISTEN:-127.0.0.1:8080}"
bank=../shared/data/Churn_Modelling.csv
export CHURNWATCH_DATA_DIR="$data"

if [ ! -f "$data/churnwatch.db" ]; then
  mkdir -p "$data" && chmod 700 "$data"
  if [ -f "$bank" ]; then
    echo "loading the demo bank customers from $bank"
    "$bin" import "$bank"
  else
    echo "loading 10,000 generated demo customers (seed 42)"
    "$bin" demo-data --rows 10000 --seed 42 | "$bin" import -
  fi
  echo "training the first churn model and scoring every customer"
  "$bin" train
  "$bin" score
  password="$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 16)"
  "$bin" user create --username admin --password "$password" --role admin
  (umask 077 && echo "$password" > "$data/admin-password")
fi

echo
echo "  churnwatch: http://${listen}/"
echo "  log in as:  admin / $(cat "$data/admin-password")   (kept in $data/admin-password)"
echo
exec "$bin" serve --listen "$listen"
