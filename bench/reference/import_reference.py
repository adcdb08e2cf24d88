"""Reference for bench/import.sh: the Python way to load the same CSV.

csv module to read, the same typing churnwatch does (integers, numbers,
1/0 booleans, categories, text), json.dumps of the attributes, and one
sqlite3 transaction of executemany into a table of the same shape as
churnwatch's customers table. Prints rows/s.

usage: /usr/bin/python3 import_reference.py <in.csv> <out.db>
"""
import csv
import json
import os
import sqlite3
import sys
import time
from datetime import datetime, timezone

INTEGER = {"RowNumber", "CustomerId", "CreditScore", "Age", "Tenure", "NumOfProducts"}
NUMBER = {"Balance", "EstimatedSalary"}
BOOLEAN = {"HasCrCard", "IsActiveMember", "Exited"}


def typed(name, text):
    if text == "":
        return None
    if name in INTEGER:
        return int(text)
    if name in NUMBER:
        return float(text)
    if name in BOOLEAN:
        return text == "1"
    return text


def main():
    src, db = sys.argv[1], sys.argv[2]
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = NORMAL")
    con.execute(
        "CREATE TABLE customers (row_id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " external_id TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL DEFAULT '',"
        " label INTEGER NULL, attributes TEXT NOT NULL,"
        " created_at TEXT NOT NULL, updated_at TEXT NOT NULL)")
    start = time.perf_counter()
    now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def rows():
        with open(src, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader)
            for cells in reader:
                attrs = {name: typed(name, cell) for name, cell in zip(header, cells)}
                exited = attrs.get("Exited")
                yield (str(attrs["CustomerId"]), attrs.get("Surname") or "",
                       None if exited is None else int(exited), json.dumps(attrs), now, now)

    con.execute("BEGIN")
    con.executemany(
        "INSERT INTO customers (external_id, display_name, label, attributes, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?)", rows())
    con.execute("COMMIT")
    seconds = time.perf_counter() - start
    count = con.execute("SELECT COUNT(*) FROM customers").fetchone()[0]
    con.close()
    print(f"python reference: {count} rows in {seconds:.2f} s = {count / seconds:.0f} rows/s")


if __name__ == "__main__":
    main()
