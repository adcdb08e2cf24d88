#!/usr/bin/python3
"""Prepares the reference app for bench/http.sh: creates the SQLite database,
loads the customer CSV, trains the replaced system's random forest, and
creates the benchmark user.

Usage: setup_reference.py CSV USERNAME PASSWORD   (REF_DB, REF_MODEL in env)

The forest is the cheapest point of the old system's grid (100 trees, depth
10) with n_jobs=1: per-request predictions gain nothing from a thread pool, so
this is the reference at its fastest.
"""
import csv
import os
import pickle
import sys

import django

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "refsite.settings")
django.setup()

import numpy as np  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402

from churn.models import Customer  # noqa: E402


def truthy(text):
    return text.strip().lower() in ("1", "true", "yes")


def main():
    path, username, password = sys.argv[1:4]
    # The model module loads REF_MODEL at import: train first.
    rows = []
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    encoded = []
    labels = []
    for r in rows:
        encoded.append([float(r[n]) for n in ("CreditScore", "Age", "Tenure", "Balance", "NumOfProducts",
                                               "HasCrCard", "IsActiveMember", "EstimatedSalary")]
                       + [1.0 if r["Geography"] == g else 0.0 for g in ("France", "Germany", "Spain")]
                       + [1.0 if r["Gender"] == "Male" else 0.0])
        labels.append(int(truthy(r["Exited"])))
    model = RandomForestClassifier(n_estimators=100, max_depth=10, n_jobs=1, random_state=42)
    model.fit(np.array(encoded), np.array(labels))
    with open(os.environ["REF_MODEL"], "wb") as f:
        pickle.dump(model, f)

    call_command("migrate", run_syncdb=True, verbosity=0)
    Customer.objects.bulk_create(
        [Customer(customer_id=int(r["CustomerId"]), surname=r["Surname"], credit_score=int(r["CreditScore"]),
                  geography=r["Geography"], gender=r["Gender"], age=int(r["Age"]), tenure=int(r["Tenure"]),
                  balance=float(r["Balance"]), num_of_products=int(r["NumOfProducts"]),
                  has_cr_card=truthy(r["HasCrCard"]), is_active_member=truthy(r["IsActiveMember"]),
                  estimated_salary=float(r["EstimatedSalary"]), exited=truthy(r["Exited"])) for r in rows],
        batch_size=1000)
    User.objects.create_user(username=username, password=password)
    print(f"reference: {len(rows)} customers, random forest trained, user {username}")


if __name__ == "__main__":
    main()
