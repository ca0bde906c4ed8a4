"""Writes synthetic Fashion-MNIST-shaped IDX files (gzip), for machines that have no copy of the data set.

    python3 write_idx.py OUT_DIR [--train 60000] [--test 10000]

Each image is its class's fixed random pattern plus noise, as uint8 28×28, so a network can learn it; the
files have the real names, shapes and IDX headers, which is all that timing an epoch depends on.
"""
import argparse
import gzip
import os
import struct

import numpy as np


def write(path, array, magic):
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(struct.pack(">I", magic))
        for dimension in array.shape:
            f.write(struct.pack(">I", dimension))
        f.write(array.astype(np.uint8).tobytes())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--train", type=int, default=60000)
    parser.add_argument("--test", type=int, default=10000)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    random = np.random.default_rng(0)
    patterns = random.integers(0, 200, size=(10, 28, 28))
    for name, count in (("train", args.train), ("t10k", args.test)):
        labels = random.integers(0, 10, size=count).astype(np.uint8)
        images = np.clip(patterns[labels] + random.integers(0, 56, size=(count, 28, 28)), 0, 255)
        write(os.path.join(args.out, f"{name}-images-idx3-ubyte.gz"), images, 0x00000803)
        write(os.path.join(args.out, f"{name}-labels-idx1-ubyte.gz"), labels, 0x00000801)
    print(f"wrote synthetic Fashion-MNIST IDX files to {args.out}")


if __name__ == "__main__":
    main()
