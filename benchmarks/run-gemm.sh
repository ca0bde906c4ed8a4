#!/usr/bin/env bash
# One command for the matrix-product comparison: builds gemm-bench in release mode, runs it and the
# numpy (and, if installed, PyTorch) peers on the same shapes, prints a side-by-side table with ratios,
# and draws benchmarks/results/gemm.svg.
#
#   benchmarks/run-gemm.sh            full run (a few minutes), results in benchmarks/results/
#   benchmarks/run-gemm.sh --quick    smoke run (seconds)
#
# Each precision runs as its own chunk so that no single step holds the machine long. Set
# GEMM_BENCH_LOCK to a lock file (e.g. /tmp/swift-build.lock) to take it, with flock, around the build
# and each measurement, when other builds share the machine. PYTHON (default python3) runs numpy;
# TORCH_PYTHON (default $PYTHON) runs the PyTorch peer, e.g. a virtual environment's interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=()
[ "${1:-}" = "--quick" ] && quick=(--quick)
results=benchmarks/results
mkdir -p "$results"
python=${PYTHON:-python3}
torch_python=${TORCH_PYTHON:-$python}

locked() {
    if [ -n "${GEMM_BENCH_LOCK:-}" ]; then flock "$GEMM_BENCH_LOCK" "$@"; else "$@"; fi
}

locked swift build -c release --product gemm-bench
bin=$(swift build -c release --show-bin-path)

swift_files=() numpy_files=() torch_files=()
for precision in double float; do
    locked "$bin/gemm-bench" "${quick[@]}" --precision "$precision" \
        --json "$results/gemm-swift-$precision.json" --csv "$results/gemm-swift-$precision.csv"
    swift_files+=("$results/gemm-swift-$precision.json")
    # numpy's own OpenBLAS must choose its kernel: drop the overrides some machines set, in this command only.
    locked env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$python" benchmarks/peers/gemm_numpy.py "${quick[@]}" \
        --precision "$precision" --json "$results/gemm-numpy-$precision.json"
    [ -f "$results/gemm-numpy-$precision.json" ] && numpy_files+=("$results/gemm-numpy-$precision.json")
    rm -f "$results/gemm-torch-$precision.json"
    locked env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$torch_python" benchmarks/peers/gemm_torch.py "${quick[@]}" \
        --precision "$precision" --json "$results/gemm-torch-$precision.json"
    [ -f "$results/gemm-torch-$precision.json" ] && torch_files+=("$results/gemm-torch-$precision.json")
done

echo
echo "== Side by side (same run) =="
"$python" benchmarks/compare.py --swift "${swift_files[@]}" --numpy "${numpy_files[@]}" \
    --torch "${torch_files[@]}" --markdown "$results/gemm-table.md"
"$python" benchmarks/plot_gemm.py --swift "${swift_files[@]}" --numpy "${numpy_files[@]}" --output "$results/gemm.svg"
