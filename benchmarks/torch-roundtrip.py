"""PyTorch weights both ways (#28), checked against PyTorch itself: predictions must agree to 1e-6.

nn -> torch: nn trains a classifier and a regressor on tables, 'nn export --format torch' writes each
as a state dict, PyTorch rebuilds the nn.Sequential from the file's metadata, loads it with
load_state_dict(strict=True) and predicts; 'nn predict' predicts from the model file and from the
export. torch -> nn: PyTorch trains a small Sequential and saves its state_dict with safetensors;
'nn import' turns it into a model file, 'nn predict' predicts, and 'nn train --init-from' trains on
from it. Prints the largest absolute differences and exits 1 when one exceeds 1e-6.

    swift build -c release
    /tmp/venv/bin/pip install numpy safetensors torch
    /tmp/venv/bin/python benchmarks/torch-roundtrip.py [path/to/nn]
"""
import json
import pathlib
import subprocess
import sys
import tempfile

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch import nn

ROOT = pathlib.Path(__file__).resolve().parents[1]
NN = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / ".build" / "release" / "nn")
TOLERANCE = 1e-6


def run(*arguments):
    result = subprocess.run([NN, *arguments], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"nn {' '.join(arguments)} failed:\n{result.stderr}")
    return result.stdout


def write_csv(path, x, y, names):
    with open(path, "w") as file:
        file.write(",".join([f"x{i}" for i in range(x.shape[1])] + ["target"]) + "\n")
        for row, target in zip(x, y):
            file.write(",".join(repr(float(v)) for v in row) + f",{names[target] if names else repr(float(target))}\n")


def metadata(path, key, dtype):
    with safe_open(str(path), "pt") as file:
        return torch.tensor(json.loads(file.metadata()[key]), dtype=dtype)


def torch_predict(path, x):
    """What README's ten lines do: rebuild the Sequential, load strictly, scale, predict."""
    with safe_open(str(path), "pt") as file:
        meta = file.metadata()
    dtype = torch.float64 if meta["nn.precision"] == "double" else torch.float32
    model = eval(meta["nn.sequential"], {"nn": nn}).to(dtype)
    model.load_state_dict(load_file(str(path)), strict=True)
    inputs = (torch.tensor(x, dtype=dtype) - metadata(path, "nn.inputOffset", dtype)) * metadata(
        path, "nn.inputScale", dtype)
    with torch.no_grad():
        outputs = model(inputs)
    if meta["nn.loss"] == "softmaxCrossEntropy" and json.loads(meta["nn.activations"])[-1] == "identity":
        return torch.softmax(outputs, dim=1).numpy()
    if "nn.targetScale" in meta:
        return (outputs / metadata(path, "nn.targetScale", dtype) + metadata(path, "nn.targetOffset", dtype)).numpy()
    return outputs.numpy()


def main():
    random = np.random.RandomState(28)
    folder = pathlib.Path(tempfile.mkdtemp(prefix="torch-roundtrip-"))
    x = random.normal(size=(600, 4)) * [1, 2, 0.5, 3] + [0, 5, -1, 10]
    projection = x @ random.normal(size=4) + random.normal(scale=0.5, size=600)
    classes = np.digitize(projection, np.quantile(projection, [1 / 3, 2 / 3]))
    values = np.sin(x[:, 0]) + 0.1 * x[:, 1] * x[:, 2] + random.normal(scale=0.1, size=600)
    names = ["setosa", "versicolor", "virginica"]
    write_csv(folder / "classes.csv", x[:500], classes[:500], names)
    write_csv(folder / "classes-test.csv", x[500:], classes[500:], names)
    write_csv(folder / "values.csv", x[:500], values[:500], None)
    write_csv(folder / "values-test.csv", x[500:], values[500:], None)
    test = x[500:]
    differences = {}

    # nn -> torch: a classifier (softmax on logits) and a regressor (standardized targets), both scaled.
    for name, extra, precision in [("classes", ["--probabilities"], "float"), ("values", [], "float"),
                                   ("classes", ["--probabilities"], "double")]:
        model, export = folder / f"{name}-{precision}.safetensors", folder / f"{name}-{precision}.pt.safetensors"
        run("train", "--data", str(folder / f"{name}.csv"), "--target", "target", "--epochs", "40",
            "--precision", precision, "--save", str(model), "-q")
        print(run("export", "--format", "torch", "--model", str(model), "--output", str(export)).splitlines()[0])
        expected = torch_predict(export, test)
        for source in [model, export]:
            run("predict", "--model", str(source), "--data", str(folder / f"{name}-test.csv"), "--target", "target",
                "--output", str(folder / "p.npy"), *extra)
            actual = np.load(folder / "p.npy").reshape(expected.shape)
            key = f"nn -> torch, {name} ({precision}), nn predict --model {source.name}"
            differences[key] = float(np.max(np.abs(actual.astype(np.float64) - expected.astype(np.float64))))

    # torch -> nn: a Sequential trained in PyTorch, saved as a bare state dict.
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 32), nn.Tanh(), nn.Linear(32, 16), nn.Tanh(), nn.Linear(16, 3))
    inputs = torch.tensor((x[:500] - x[:500].mean(0)) / x[:500].std(0), dtype=torch.float32)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(200):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(inputs), torch.tensor(classes[:500]))
        loss.backward()
        optimizer.step()
    state = folder / "torch.safetensors"
    save_file(model.state_dict(), str(state))
    scaled = (x - x[:500].mean(0)) / x[:500].std(0)
    write_csv(folder / "scaled.csv", scaled[:500], classes[:500], names)
    write_csv(folder / "scaled-test.csv", scaled[500:], classes[500:], names)
    with torch.no_grad():
        expected = torch.softmax(model(torch.tensor(scaled[500:], dtype=torch.float32)), dim=1).numpy()
    imported = folder / "imported.safetensors"
    print(run("import", "--model", str(state), "--activation", "tanh", "--classes", ",".join(names),
              "--output", str(imported)).splitlines()[0])
    run("predict", "--model", str(imported), "--data", str(folder / "scaled-test.csv"), "--target", "target",
        "--probabilities", "--output", str(folder / "p.npy"))
    differences["torch -> nn, nn import + nn predict"] = float(np.max(np.abs(np.load(folder / "p.npy") - expected)))

    # And training on from the state dict: one epoch at a tiny rate keeps PyTorch's predictions.
    tuned = folder / "tuned.safetensors"
    run("train", "--init-from", str(state), "--data", str(folder / "scaled.csv"), "--target", "target",
        "--activation", "tanh", "--epochs", "1", "--learning-rate", "1e-12", "--optimizer", "sgd",
        "--save", str(tuned), "-q")
    run("predict", "--model", str(tuned), "--data", str(folder / "scaled-test.csv"), "--target", "target",
        "--probabilities", "--output", str(folder / "p.npy"))
    differences["torch -> nn, nn train --init-from (1 epoch, rate 1e-12) + nn predict"] = float(
        np.max(np.abs(np.load(folder / "p.npy") - expected)))

    width = max(len(key) for key in differences)
    for key, difference in differences.items():
        print(f"{key:<{width}}  max |difference| {difference:.3g}")
    worst = max(differences.values())
    print(f"largest difference {worst:.3g} ({'within' if worst <= TOLERANCE else 'BEYOND'} {TOLERANCE:g})")
    sys.exit(0 if worst <= TOLERANCE else 1)


if __name__ == "__main__":
    main()
