"""nn train with no tuning flags against scikit-learn's MLP defaults on scikit-learn's bundled datasets.

Each dataset is split 75/25 (train_test_split, random_state=0, stratified for classification) and
written as CSV with a header; `nn train --data train.csv --target target --save model.json` trains
with no other option, and `nn evaluate --json` scores the test part. MLPClassifier/MLPRegressor with
default settings (random_state=0) train and score on the same split. Run from the repository root:

    /tmp/venv/bin/python benchmarks/tabular/compare.py [--nn .build/release/nn] [--out folder]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import pandas as pd
from sklearn import datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor

DATASETS = [
    ("iris", datasets.load_iris, "classification"),
    ("wine", datasets.load_wine, "classification"),
    ("breast_cancer", datasets.load_breast_cancer, "classification"),
    ("digits", datasets.load_digits, "classification"),
    ("diabetes", datasets.load_diabetes, "regression"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nn", default=".build/release/nn")
    parser.add_argument("--out", default=None, help="folder for the CSVs and models (default: a temporary folder)")
    args = parser.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="nn-tabular-")
    os.makedirs(out, exist_ok=True)
    rows = []
    for name, loader, task in DATASETS:
        bunch = loader(as_frame=True)
        frame = bunch.frame.rename(columns={bunch.frame.columns[-1]: "target"})
        x, y = frame.drop(columns="target"), frame["target"]
        x_train, x_test, y_train, y_test = train_test_split(
            x, y, test_size=0.25, random_state=0, stratify=y if task == "classification" else None)
        train_path, test_path = os.path.join(out, f"{name}-train.csv"), os.path.join(out, f"{name}-test.csv")
        x_train.assign(target=y_train).to_csv(train_path, index=False)
        x_test.assign(target=y_test).to_csv(test_path, index=False)
        model_path = os.path.join(out, f"{name}.json")

        started = time.perf_counter()
        subprocess.run([args.nn, "train", "--data", train_path, "--target", "target", "--save", model_path, "--quiet"],
                       check=True, stdout=subprocess.DEVNULL)
        nn_seconds = time.perf_counter() - started
        evaluated = subprocess.run([args.nn, "evaluate", "--model", model_path, "--data", test_path, "--json"],
                                   check=True, capture_output=True, text=True)
        report = json.loads(evaluated.stdout)
        nn_score = report["accuracy"] if task == "classification" else report["r2"]

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = (MLPClassifier if task == "classification" else MLPRegressor)(random_state=0)
            started = time.perf_counter()
            model.fit(x_train, y_train)
            sk_seconds = time.perf_counter() - started
        sk_score = model.score(x_test, y_test)
        rows.append((name, task, len(x_train), len(x_test), nn_score, sk_score, nn_seconds, sk_seconds))

    print(f"| dataset | task | train/test rows | metric | nn (defaults) | scikit-learn MLP (defaults) | nn - sklearn | goal (>= -0.02) | nn s | sklearn s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, task, train, test, nn_score, sk_score, nn_s, sk_s in rows:
        metric = "accuracy" if task == "classification" else "R²"
        difference = nn_score - sk_score
        print(f"| {name} | {task} | {train}/{test} | {metric} | {nn_score:.4f} | {sk_score:.4f} | {difference:+.4f} | "
              f"{'met' if difference >= -0.02 else 'missed'} | {nn_s:.2f} | {sk_s:.2f} |")
    return 0 if all(r[4] - r[5] >= -0.02 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
