"""Convolutional networks through 'nn export --format torch', checked against PyTorch itself (#25).

For each model file of Tests/nnTests/Fixtures/cnn-*.safetensors (written by
scripts/fixtures/cnn_export_fixtures.py: convolutions with same and valid padding, strides, an odd
'same' zero after the image, max, average and global average pooling, batch normalization over
channels and over features, dropout, dense layers) and, when nn's --layers grammar takes image
layers, one trained by 'nn train' with batch normalization:

- 'nn export --format torch' writes the state dict; PyTorch rebuilds the printed nn.Sequential from
  the file's metadata, checks that its state_dict() has exactly the file's tensors (names, shapes,
  dtypes), loads the file with load_state_dict(strict=True), switches to eval mode and predicts;
- 'nn predict' predicts from the model file on the same rows;
- 'nn import' reads the export back and 'nn predict' from the imported model must be identical.

Prints the largest relative differences; exits 1 when one exceeds 1e-12 (double) or 1e-5 (float).

    swift build -c release
    /tmp/venv/bin/pip install numpy safetensors torch
    /tmp/venv/bin/python benchmarks/torch-cnn-roundtrip.py [path/to/nn]
"""
import json
import pathlib
import subprocess
import sys
import tempfile

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file
from torch import nn

ROOT = pathlib.Path(__file__).resolve().parents[1]
NN = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / ".build" / "release" / "nn")
FIXTURES = ROOT / "Tests" / "nnTests" / "Fixtures"
TOLERANCE = {"double": 1e-12, "float": 1e-5}


def run(*arguments, check=True):
    result = subprocess.run([NN, *arguments], capture_output=True, text=True)
    if check and result.returncode != 0:
        sys.exit(f"nn {' '.join(arguments)} failed:\n{result.stderr}")
    return result


def torch_predict(path, x):
    """What the printed PyTorch does: rebuild the Sequential, load strictly, eval(), scale, predict."""
    with safe_open(str(path), "pt") as file:
        meta = file.metadata()
    dtype = torch.float64 if meta["nn.precision"] == "double" else torch.float32
    model = eval(meta["nn.sequential"], {"nn": nn}).to(dtype)
    state = load_file(str(path))
    expected = {name: (tuple(t.shape), t.dtype) for name, t in model.state_dict().items()}
    written = {name: (tuple(t.shape), t.dtype) for name, t in state.items()}
    if expected != written:
        sys.exit(f"{path}: the file's tensors {written} are not the Sequential's state_dict {expected}")
    model.load_state_dict(state, strict=True)
    model.eval()
    offset, scale = (torch.tensor(json.loads(meta[key]), dtype=dtype) for key in ("nn.inputOffset", "nn.inputScale"))
    with torch.no_grad():
        outputs = model((torch.tensor(x, dtype=dtype) - offset) * scale)
    if meta["nn.loss"] == "softmaxCrossEntropy" and json.loads(meta["nn.activations"])[-1] == "identity":
        outputs = torch.softmax(outputs, dim=1)
    if meta["nn.loss"] == "binaryCrossEntropy" and "nn.classNames" in meta and outputs.shape[1] == 1:
        # 'nn predict --probabilities' gives both classes' probabilities, 1 - p and p.
        outputs = torch.cat([1 - outputs, outputs], dim=1)
    if "nn.targetScale" in meta:
        outputs = outputs / torch.tensor(json.loads(meta["nn.targetScale"]), dtype=dtype) + torch.tensor(
            json.loads(meta["nn.targetOffset"]), dtype=dtype)
    return outputs.numpy().astype(np.float64), meta["nn.precision"], meta["nn.sequential"]


def check(name, model, images, folder):
    export = folder / f"{name}.pt.safetensors"
    imported = folder / f"{name}-imported.safetensors"
    run("export", "--format", "torch", "--model", str(model), "--output", str(export))
    run("import", "--model", str(export), "--output", str(imported))
    predictions = {}
    for label, path in (("model", model), ("imported", imported)):
        output = folder / f"{name}-{label}.npy"
        arguments = ["predict", "--model", str(path), "--data", str(images), "--output", str(output)]
        with safe_open(str(export), "pt") as file:
            if "nn.classNames" in file.metadata():
                arguments.append("--probabilities")
        run(*arguments)
        predictions[label] = np.load(output).astype(np.float64)
    ours, precision, sequential = torch_predict(export, np.load(images))
    difference = float(np.max(np.abs(ours - predictions["model"])) / np.max(np.abs(ours)))
    identical = np.array_equal(predictions["model"], predictions["imported"])
    print(f"{name} ({precision}): {sequential}")
    print(f"  PyTorch vs nn predict: largest difference {difference:.2e} of the largest output "
          f"(limit {TOLERANCE[precision]:.0e}); nn import -> predict identical: {identical}")
    return difference <= TOLERANCE[precision] and identical


def main():
    folder = pathlib.Path(tempfile.mkdtemp(prefix="torch-cnn-roundtrip-"))
    passed = True
    for name in ("double", "float"):
        passed &= check(name, FIXTURES / f"cnn-{name}.safetensors", FIXTURES / f"cnn-{name}-images.npy", folder)
    # A trained network with batch normalization, when nn train takes image layers.
    random = np.random.RandomState(25)
    images = random.uniform(size=(240, 64))
    labels = (images.reshape(-1, 8, 8)[:, :4].mean(axis=(1, 2)) > images.reshape(-1, 8, 8)[:, 4:].mean(axis=(1, 2)))
    np.save(folder / "train-x.npy", images)
    np.save(folder / "train-y.npy", labels.astype(np.float64))
    np.save(folder / "test-x.npy", images[:20])
    trained = folder / "trained.safetensors"
    result = run("train", "--data", str(folder / "train-x.npy"), "--targets-file", str(folder / "train-y.npy"),
                 "--image-shape", "1,8,8", "--layers", "conv4k3,batchnorm,pool2,conv6k3s2valid,8,batchnorm,dropout0.5",
                 "--precision", "double", "--epochs", "3", "--save", str(trained), "-q", check=False)
    if result.returncode == 0:
        passed &= check("trained", trained, folder / "test-x.npy", folder)
    else:
        print(f"nn train does not take image layers here, so no trained network: {result.stderr.strip()}")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
