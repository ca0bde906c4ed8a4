"""numpy peer for train-bench: the first notebook's own loop, and a hand-written Fashion-MNIST MLP.

    python3 benchmarks/peers/train_numpy.py [--json FILE] [--epochs 3] [--repeats 5]

The MLP is PEERS.md's workload: 784-256-128-10 ReLU, softmax cross-entropy, batches of 128
shuffled each epoch, SGD with momentum 0.9 (PyTorch's form) and learning rate 0.05.
"""
import argparse

import numpy as np

from train_common import load_fashion_mnist, now, record, write


def notebook_000():
    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    y = np.array([[0], [1], [1], [0]])

    def non_linear(x, deriv=False):
        if deriv:
            return x * (1 - x)
        return 1 / (1 + np.exp(-x))

    np.random.seed(1)
    weights0 = 2 * np.random.rand(3, 4) - 1
    weights1 = 2 * np.random.rand(4, 1) - 1
    started = now()
    for j in range(60000):
        l0 = X
        l1 = non_linear(np.dot(l0, weights0))
        l2 = non_linear(np.dot(l1, weights1))
        error = y - l2
        error_delta = error * non_linear(l2, deriv=True)
        l1_error = np.dot(error_delta, weights1.T)
        l1_delta = l1_error * non_linear(l1, deriv=True)
        weights1 += np.dot(l1.T, error_delta)
        weights0 += np.dot(l0.T, l1_delta)
        if j % 10000 == 0:
            np.mean(np.abs(error))
    return now() - started


def fashion_mnist(dtype, epochs):
    train_x, train_y, test_x, test_y = load_fashion_mnist(dtype)
    rng = np.random.RandomState(0)
    sizes = [784, 256, 128, 10]
    weights = [(rng.randn(a, b) * np.sqrt(2.0 / a)).astype(dtype) for a, b in zip(sizes, sizes[1:])]
    biases = [np.zeros((1, b), dtype=dtype) for b in sizes[1:]]
    velocity_w = [np.zeros_like(w) for w in weights]
    velocity_b = [np.zeros_like(b) for b in biases]
    one_hot = np.eye(10, dtype=dtype)[train_y]
    lr, momentum, batch = dtype(0.05), dtype(0.9), 128
    times = []
    for epoch in range(epochs):
        started = now()
        order = rng.permutation(len(train_x))
        for start in range(0, len(train_x), batch):
            index = order[start:start + batch]
            x, t = train_x[index], one_hot[index]
            activations = [x]
            for layer in range(3):
                z = activations[-1] @ weights[layer] + biases[layer]
                activations.append(np.maximum(z, 0) if layer < 2 else z)
            logits = activations[-1]
            e = np.exp(logits - logits.max(axis=1, keepdims=True))
            dz = (e / e.sum(axis=1, keepdims=True) - t) / dtype(len(x))
            for layer in (2, 1, 0):
                grad_w = activations[layer].T @ dz
                grad_b = dz.sum(axis=0, keepdims=True)
                if layer > 0:
                    dz = (dz @ weights[layer].T) * (activations[layer] > 0)
                velocity_w[layer] = momentum * velocity_w[layer] + grad_w
                velocity_b[layer] = momentum * velocity_b[layer] + grad_b
                weights[layer] -= lr * velocity_w[layer]
                biases[layer] -= lr * velocity_b[layer]
        times.append(now() - started)
    h = test_x
    for layer in range(3):
        h = h @ weights[layer] + biases[layer]
        if layer < 2:
            h = np.maximum(h, 0)
    accuracy = float((h.argmax(axis=1) == test_y).mean())
    return times, accuracy


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-xor", action="store_true")
    parser.add_argument("--skip-fashion", action="store_true")
    args = parser.parse_args()
    records = []
    if not args.skip_xor:
        times = [notebook_000() for _ in range(args.repeats)]
        records.append(record("xor-notebook-000", "numpy", "double", None, [times[0]] + times))
    if not args.skip_fashion:
        for name, dtype in (("float", np.float32), ("double", np.float64)):
            times, accuracy = fashion_mnist(dtype, args.epochs)
            records.append(record("fashion-mnist-epoch", "numpy", name, None, times, accuracy))
    write(records, args.json)


if __name__ == "__main__":
    main()
