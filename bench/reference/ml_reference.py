#!/usr/bin/python3
"""Reference measurements for bench/ml.sh: the replaced system's model and a
modern scikit-learn baseline, on exactly the rows and features ml_bench
exported (same encoding, same train/validation/test split).

Usage: ml_reference.py DIR   (reads DIR/features.f32 and DIR/split.json,
                              writes DIR/reference.json)

* rf_grid: what the old system did -- RandomForestClassifier tuned by 5-fold
  GridSearchCV over n_estimators [100, 200], max_depth [None, 10, 20],
  min_samples_split [2, 5] (scoring ROC-AUC, n_jobs=-1), predicting with
  predict() i.e. threshold 0.5.
* hgb: HistGradientBoostingClassifier with default settings, threshold 0.5.
Both are fitted on train + validation rows (80%): they have no use for a
separate validation set, so they get every row ours sees, and are scored on
the same 20% test rows.
"""
import json
import sys
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import GridSearchCV

LATENCY_CALLS = 300
BATCH_ROWS = 200_000


def latency_ms(model, rows):
    times = []
    for i in range(LATENCY_CALLS):
        row = rows[i % len(rows)].reshape(1, -1)
        start = time.perf_counter()
        model.predict_proba(row)
        times.append((time.perf_counter() - start) * 1000.0)
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.99) - 1]


def batch_rows_per_second(model, x_test):
    reps = BATCH_ROWS // len(x_test) + 1
    big = np.tile(x_test, (reps, 1))[:BATCH_ROWS]
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        model.predict_proba(big)
        best = min(best, time.perf_counter() - start)
    return BATCH_ROWS / best


def measure(name, make, x_fit, y_fit, x_test, y_test):
    start = time.perf_counter()
    model = make().fit(x_fit, y_fit)
    train_s = time.perf_counter() - start
    p = model.predict_proba(x_test)[:, 1]
    p50, p99 = latency_ms(model, x_test)
    result = {
        "name": name,
        "train_seconds": train_s,
        "roc_auc": roc_auc_score(y_test, p),
        "f1": f1_score(y_test, (p >= 0.5).astype(int)),
        "threshold": 0.5,
        "latency_p50_ms": p50,
        "latency_p99_ms": p99,
        "batch_rows_per_second": batch_rows_per_second(model, x_test),
    }
    if hasattr(model, "best_params_"):
        result["best_params"] = model.best_params_
    print(f"reference {name}: {json.dumps(result)}", file=sys.stderr)
    return result


def main():
    folder = sys.argv[1]
    with open(f"{folder}/split.json") as f:
        split = json.load(f)
    rows, cols = split["rows"], split["cols"]
    x = np.fromfile(f"{folder}/features.f32", dtype=np.float32).reshape(rows, cols)
    y = np.asarray(split["labels"], dtype=int)
    # Old scikit-learn forests reject missing values: fill with the training median.
    fit_idx = np.asarray(split["train"] + split["validation"])
    test_idx = np.asarray(split["test"])
    if np.isnan(x).any():
        med = np.nanmedian(x[fit_idx], axis=0)
        x = np.where(np.isnan(x), med, x)
    x_fit, y_fit, x_test, y_test = x[fit_idx], y[fit_idx], x[test_idx], y[test_idx]

    grid = {"n_estimators": [100, 200], "max_depth": [None, 10, 20], "min_samples_split": [2, 5]}
    results = [
        measure("rf_grid",
                lambda: GridSearchCV(RandomForestClassifier(random_state=42, n_jobs=-1), grid,
                                     cv=5, scoring="roc_auc", n_jobs=-1),
                x_fit, y_fit, x_test, y_test),
        measure("hgb", lambda: HistGradientBoostingClassifier(random_state=42),
                x_fit, y_fit, x_test, y_test),
    ]
    with open(f"{folder}/reference.json", "w") as f:
        json.dump({"results": results}, f, indent=1)


if __name__ == "__main__":
    main()
