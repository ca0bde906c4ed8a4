#!/usr/bin/env bash
# One command for the training comparison: builds train-bench in release mode, runs the first
# notebook's XOR run and Fashion-MNIST epochs (with their raw-product floor), runs the numpy and
# (if installed) PyTorch and scikit-learn peers on the same workloads, and prints the ratios.
# The convolutional row (issue 25's network, float, batch 128) trains on the first 12,000
# Fashion-MNIST images, at 1 and 2 threads, ours and PyTorch's (`cnn_torch.py`) in the same run.
#
#   benchmarks/run-train.sh            full run (about five minutes), results in benchmarks/results/
#   benchmarks/run-train.sh --quick    smoke run: the XOR workload and one short Fashion-MNIST epoch
#   benchmarks/run-train.sh --cnn      the convolutional row alone (ours and PyTorch's, about six minutes)
#
# Set BENCH_LOCK to a lock file (e.g. /tmp/swift-build.lock) to take it, with flock, around the build
# and each measurement when other builds share the machine. PYTHON (default python3) runs numpy;
# TORCH_PYTHON (default $PYTHON) runs the PyTorch peer, e.g. a virtual environment's interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."

results=benchmarks/results
mkdir -p "$results"
python=${PYTHON:-python3}
torch_python=${TORCH_PYTHON:-$python}
epochs=3 repeats=5 cnn_epochs=2 cnn_samples=12000
[ "${1:-}" = "--quick" ] && epochs=1 repeats=1 cnn_epochs=1 cnn_samples=1280

# The convolutional row: ours and PyTorch's epochs at 1 and 2 threads, on the same images.
cnn_row() {
    locked "$bin/train-bench" cnn --threads 1,2 --epochs "$cnn_epochs" --samples "$cnn_samples" \
        --json "$results/train-swift-cnn.json"
    files+=("$results/train-swift-cnn.json")
    rm -f "$results/train-torch-cnn.json"
    locked env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$torch_python" benchmarks/peers/cnn_torch.py \
        --threads 1,2 --epochs "$cnn_epochs" --samples "$cnn_samples" --json "$results/train-torch-cnn.json"
    [ -f "$results/train-torch-cnn.json" ] && files+=("$results/train-torch-cnn.json")
}

locked() {
    if [ -n "${BENCH_LOCK:-}" ]; then flock "$BENCH_LOCK" "$@"; else "$@"; fi
}

locked swift build -c release --product train-bench
bin=$(swift build -c release --show-bin-path)
files=()
if [ "${1:-}" = "--cnn" ]; then
    cnn_row
    "$python" benchmarks/compare_train.py "${files[@]}"
    exit 0
fi

locked "$bin/train-bench" xor --repeats "$repeats" --json "$results/train-swift-xor.json"
files+=("$results/train-swift-xor.json")
if [ -d /usr/share/datasets/fashion-mnist ]; then
    locked "$bin/train-bench" fashion-mnist --epochs "$epochs" --precision float --precision double \
        --threads 2 --json "$results/train-swift-fashion.json"
    files+=("$results/train-swift-fashion.json")
else
    echo "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist): skipping its workloads"
fi
# numpy's own OpenBLAS must choose its kernel: drop the overrides some machines set, in this command only.
locked env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$python" benchmarks/peers/train_numpy.py \
    --epochs "$epochs" --repeats "$repeats" --json "$results/train-numpy.json"
files+=("$results/train-numpy.json")
rm -f "$results/train-torch.json"
locked env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$torch_python" benchmarks/peers/train_torch.py \
    --epochs "$epochs" --json "$results/train-torch.json"
[ -f "$results/train-torch.json" ] && files+=("$results/train-torch.json")
[ -d /usr/share/datasets/fashion-mnist ] && cnn_row
rm -f "$results/train-sklearn.json"
locked env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$torch_python" benchmarks/peers/train_sklearn.py \
    --epochs "$epochs" --json "$results/train-sklearn.json"
[ -f "$results/train-sklearn.json" ] && files+=("$results/train-sklearn.json")
"$python" benchmarks/compare_train.py "${files[@]}"
