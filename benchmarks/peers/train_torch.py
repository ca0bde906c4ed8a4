"""PyTorch peer for train-bench: the Fashion-MNIST MLP of PEERS.md, in float32 and float64.

    python3 benchmarks/peers/train_torch.py [--json FILE] [--epochs 3]

784-256-128-10 ReLU, CrossEntropyLoss, batches of 128 shuffled each epoch, torch.optim.SGD with
momentum 0.9 and learning rate 0.05. Data is held as tensors and batched by index (no DataLoader),
so the figure is the training arithmetic. Skips with a message when torch is not installed.
"""
import argparse
import sys

from train_common import load_fashion_mnist, now, record, write

try:
    import torch
except ImportError:
    print("torch is not installed: skipping the PyTorch peer (pip install torch in a virtual environment)")
    sys.exit(0)


def fashion_mnist(dtype, epochs):
    import numpy as np
    numpy_dtype = np.float32 if dtype == torch.float32 else np.float64
    train_x, train_y, test_x, test_y = load_fashion_mnist(numpy_dtype)
    torch.manual_seed(0)
    x, y = torch.from_numpy(train_x), torch.from_numpy(train_y)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128), torch.nn.ReLU(),
        torch.nn.Linear(128, 10)).to(dtype)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_function = torch.nn.CrossEntropyLoss()
    times = []
    for epoch in range(epochs):
        started = now()
        order = torch.randperm(len(x))
        for start in range(0, len(x), 128):
            index = order[start:start + 128]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_function(model(x[index]), y[index])
            loss.backward()
            optimizer.step()
        times.append(now() - started)
    with torch.no_grad():
        accuracy = float((model(torch.from_numpy(test_x)).argmax(dim=1) == torch.from_numpy(test_y)).double().mean())
    return times, accuracy


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json")
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    records = []
    for name, dtype in (("float", torch.float32), ("double", torch.float64)):
        times, accuracy = fashion_mnist(dtype, args.epochs)
        records.append(record("fashion-mnist-epoch", f"pytorch {torch.__version__}", name, torch.get_num_threads(), times, accuracy))
    write(records, args.json)


if __name__ == "__main__":
    main()
