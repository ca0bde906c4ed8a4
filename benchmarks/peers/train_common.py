"""Shared helpers for the training peers: Fashion-MNIST loading and the JSON record format."""
import gzip
import json
import os
import time

import numpy as np

DATASET = os.environ.get("NN_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")


def load_fashion_mnist(dtype):
    """Returns (train_x, train_y, test_x, test_y): pixels scaled to [0, 1] in `dtype`, labels as int64."""
    def images(name):
        with gzip.open(os.path.join(DATASET, name)) as f:
            data = f.read()
        count = int.from_bytes(data[4:8], "big")
        return (np.frombuffer(data, dtype=np.uint8, offset=16).reshape(count, 784).astype(dtype) / dtype(255))

    def labels(name):
        with gzip.open(os.path.join(DATASET, name)) as f:
            data = f.read()
        return np.frombuffer(data, dtype=np.uint8, offset=8).astype(np.int64)

    return (images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz"),
            images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz"))


def record(workload, peer, precision, threads, seconds, accuracy=None, note=None):
    seconds = list(seconds)
    steady = seconds[1:] if len(seconds) > 1 else seconds
    return {"workload": workload, "peer": peer, "precision": precision, "threads": threads,
            "seconds": seconds, "medianSeconds": float(np.median(steady)), "testAccuracy": accuracy, "note": note}


def write(records, path):
    if path:
        with open(path, "w") as f:
            json.dump(records, f, indent=1)
    for r in records:
        accuracy = f", test accuracy {r['testAccuracy']:.4f}" if r["testAccuracy"] is not None else ""
        print(f"{r['peer']} {r['workload']} {r['precision']}: median {r['medianSeconds']:.4f} s{accuracy}")


now = time.perf_counter
