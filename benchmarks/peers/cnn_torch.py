"""PyTorch peer for `train-bench cnn`: the Fashion-MNIST convolutional network of issue #25, float32.

    python3 benchmarks/peers/cnn_torch.py [--json FILE] [--epochs 5] [--threads 1,2] [--samples N] [--seed 0]

conv(32, 3x3, same)-ReLU-maxpool2, conv(64, 3x3, same)-ReLU-maxpool2, Linear(3136, 128)-ReLU,
Dropout(0.5), Linear(128, 10); CrossEntropyLoss, batches of 128 shuffled each epoch,
torch.optim.Adam(lr=1e-3). Data is held as tensors and batched by index (no DataLoader), so the
figure is the training arithmetic; each thread count runs in this process after
torch.set_num_threads. `--seed` seeds torch (initial weights, shuffles, dropout masks). Skips with a
message when torch is not installed.
"""
import argparse
import sys

from train_common import load_fashion_mnist, now, record, write

try:
    import torch
except ImportError:
    print("torch is not installed: skipping the PyTorch peer (pip install torch in a virtual environment)")
    sys.exit(0)


def train(epochs, samples, seed):
    import numpy as np
    train_x, train_y, test_x, test_y = load_fashion_mnist(np.float32)
    if samples:
        train_x, train_y = train_x[:samples], train_y[:samples]
    torch.manual_seed(seed)
    x = torch.from_numpy(train_x).reshape(-1, 1, 28, 28)
    y = torch.from_numpy(train_y)
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_function = nn.CrossEntropyLoss()
    times = []
    for epoch in range(epochs):
        model.train()
        started = now()
        order = torch.randperm(len(x))
        for start in range(0, len(x), 128):
            index = order[start:start + 128]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_function(model(x[index]), y[index])
            loss.backward()
            optimizer.step()
        times.append(now() - started)
        print(f"  pytorch {torch.get_num_threads()} thread(s) epoch {epoch + 1}: {times[-1]:.2f} s", flush=True)
    model.eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(test_x).reshape(-1, 1, 28, 28))
        accuracy = float((logits.argmax(dim=1) == torch.from_numpy(test_y)).double().mean())
    return times, accuracy


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--samples", type=int)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    records = []
    for threads in (int(t) for t in args.threads.split(",")):
        torch.set_num_threads(threads)
        times, accuracy = train(args.epochs, args.samples, args.seed)
        print(f"pytorch cnn float {threads} thread(s): epochs {', '.join(f'{t:.2f}' for t in times)} s; "
              f"test accuracy {accuracy:.4f}", flush=True)
        records.append(record("fashion-mnist-cnn-epoch", f"pytorch {torch.__version__}", "float", threads, times, accuracy))
    write(records, args.json)


if __name__ == "__main__":
    main()
