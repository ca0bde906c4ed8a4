"""scikit-learn peer for train-bench: MLPClassifier on the Fashion-MNIST workload of PEERS.md.

    python3 benchmarks/peers/train_sklearn.py [--json FILE] [--epochs 3]

784-256-128-10 ReLU, solver 'sgd' with momentum 0.9 (not Nesterov), learning rate 0.05, batches of
128 shuffled each epoch, no L2 penalty; float64 (scikit-learn trains in the input's float type, and
float32 input is converted). One `partial_fit` call is one epoch. Skips with a message when
scikit-learn is not installed.
"""
import argparse
import sys

import numpy as np

from train_common import load_fashion_mnist, now, record, write

try:
    import sklearn
    from sklearn.neural_network import MLPClassifier
except ImportError:
    print("scikit-learn is not installed: skipping its peer (pip install scikit-learn in a virtual environment)")
    sys.exit(0)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json")
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    train_x, train_y, test_x, test_y = load_fashion_mnist(np.float64)
    model = MLPClassifier(
        hidden_layer_sizes=(256, 128), activation="relu", solver="sgd", learning_rate_init=0.05,
        momentum=0.9, nesterovs_momentum=False, batch_size=128, alpha=0.0, shuffle=True, random_state=0)
    classes = np.arange(10)
    times = []
    for _ in range(args.epochs):
        started = now()
        model.partial_fit(train_x, train_y, classes=classes)
        times.append(now() - started)
    accuracy = float((model.predict(test_x) == test_y).mean())
    write([record("fashion-mnist-epoch", f"scikit-learn {sklearn.__version__}", "double", None, times, accuracy)], args.json)


if __name__ == "__main__":
    main()
