"""Writes synthetic Fashion-MNIST-shaped IDX files (gzip), for machines that have no copy of the data set.

    python3 write_idx.py OUT_DIR [--train 60000] [--test 10000]

Plain Python (no numpy needed). Each image is one of 64 noisy variants of its class's fixed random pattern,
as uint8 28×28, so a network can learn it; the files have the real names, shapes and IDX headers, which is
all that timing an epoch depends on.
"""
import argparse
import gzip
import os
import random
import struct


def write(path, dimensions, payload, magic):
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(struct.pack(">I", magic))
        for dimension in dimensions:
            f.write(struct.pack(">I", dimension))
        f.write(payload)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--train", type=int, default=60000)
    parser.add_argument("--test", type=int, default=10000)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    generator = random.Random(0)
    patterns = [[generator.randrange(200) for _ in range(784)] for _ in range(10)]
    variants = [[bytes(min(255, value + generator.randrange(56)) for value in pattern) for _ in range(64)]
                for pattern in patterns]
    for name, count in (("train", args.train), ("t10k", args.test)):
        labels = bytes(generator.randrange(10) for _ in range(count))
        images = b"".join(variants[label][generator.randrange(64)] for label in labels)
        write(os.path.join(args.out, f"{name}-images-idx3-ubyte.gz"), (count, 28, 28), images, 0x00000803)
        write(os.path.join(args.out, f"{name}-labels-idx1-ubyte.gz"), (count,), labels, 0x00000801)
    print(f"wrote synthetic Fashion-MNIST IDX files to {args.out}")


if __name__ == "__main__":
    main()
