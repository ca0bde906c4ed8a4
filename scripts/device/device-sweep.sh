#!/usr/bin/env bash
# Runs on the target machine from an unpacked bundle (scripts/device-bundle.sh): no Swift toolchain needed.
#
#   device-sweep.sh BUNDLE_DIR OUT_DIR [--threads 1,2,4,8,16] [--epochs 3] [--core NAME] [--compare-picked]
#                   [--dataset DIR] [--gemm]
#
# 1. OUT_DIR/doctor.json: what OpenBLAS picks on its own (OPENBLAS_CORETYPE unset) and the kernel check's
#    recommendation; the sweep then runs on the recommendation (or --core NAME), not on a fallback.
# 2. Fashion-MNIST IDX files: DIR if it has them (default /usr/share/datasets/fashion-mnist), else synthetic
#    ones of the real shapes (60,000 + 10,000 28×28 images, 10 classes) written by write_idx.py (python3).
#    Timing depends on the shapes only; the test accuracy of synthetic data means nothing.
# 3. OUT_DIR/train-sweep.json: train-bench fashion-mnist at float and double for each thread count: our epoch,
#    the raw-product floor, their ratio, the non-product seconds. --compare-picked also runs the largest thread
#    count on the family OpenBLAS picked (train-picked.json). --gemm adds gemm-bench 1024² and the training
#    shapes at 1 and the largest thread count (gemm.json).
set -euo pipefail
bundle=$(cd "${1:?usage: device-sweep.sh BUNDLE_DIR OUT_DIR [options]}" && pwd); out=${2:?OUT_DIR}; shift 2
threads=1,2,4,8,16 epochs=3 core="" compare=0 gemm=0 dataset=/usr/share/datasets/fashion-mnist
while [ $# -gt 0 ]; do
    case "$1" in
        --threads) threads=$2; shift 2 ;;
        --epochs) epochs=$2; shift 2 ;;
        --core) core=$2; shift 2 ;;
        --dataset) dataset=$2; shift 2 ;;
        --compare-picked) compare=1; shift ;;
        --gemm) gemm=1; shift ;;
        *) echo "device-sweep.sh: unknown option $1" >&2; exit 64 ;;
    esac
done
mkdir -p "$out"
export LD_LIBRARY_PATH="$bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# The kernels OpenBLAS picks by itself, and the check's recommendation (no re-execution, no override).
env -u OPENBLAS_CORETYPE NN_KEEP_BLAS_KERNELS=1 "$bundle/bin/nn" doctor --json > "$out/doctor.json"
env -u OPENBLAS_CORETYPE NN_KEEP_BLAS_KERNELS=1 "$bundle/bin/nn" doctor
field() { python3 -c "import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print(v if v is not None else '')" "$out/doctor.json" "$1"; }
picked=$(field blasCore); recommended=$(field recommendedCore)
[ -n "$core" ] || core=${recommended:-$picked}
echo "OpenBLAS picks $picked; the check recommends ${recommended:-nothing}; the sweep runs on $core"

if [ ! -f "$dataset/train-images-idx3-ubyte.gz" ]; then
    dataset="$out/fashion-mnist-synthetic"
    [ -f "$dataset/train-images-idx3-ubyte.gz" ] || python3 "$bundle/write_idx.py" "$dataset"
fi
largest=${threads##*,}
OPENBLAS_CORETYPE=$core "$bundle/bin/train-bench" fashion-mnist --precision float --precision double \
    --threads "$threads" --epochs "$epochs" --dataset "$dataset" --json "$out/train-sweep.json"
if [ "$compare" = 1 ] && [ "$picked" != "$core" ]; then
    env -u OPENBLAS_CORETYPE "$bundle/bin/train-bench" fashion-mnist --precision float --precision double \
        --threads "$largest" --epochs "$epochs" --dataset "$dataset" --json "$out/train-picked.json"
fi
if [ "$gemm" = 1 ]; then
    OPENBLAS_CORETYPE=$core "$bundle/bin/gemm-bench" --sizes 1024 --threads "1,$largest" --naive-max-size 0 \
        --loop-max-size 0 --json "$out/gemm.json"
fi
echo "results in $out"
