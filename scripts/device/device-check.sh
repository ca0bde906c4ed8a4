#!/usr/bin/env bash
# Issue #26's whole many-core check in one go, from an unpacked bundle (scripts/device-bundle.sh), in under
# 5 minutes on a 16-core machine:
#
#   device-check.sh BUNDLE_DIR OUT_DIR [--threads 1,2,4,8,16] [--grid 4,8,16] [--dataset DIR] [--steps 1,2,3,4,5]
#
# 1. The sweep (device-sweep.sh): train-bench fashion-mnist, float and double, our epoch against the raw-product
#    floor at each thread count (OUT_DIR/train-sweep.json, doctor.json).
# 2. The default-threads grid: `nn train --dataset fashion-mnist`, 3 epochs, batch 128 and 1024, float and double,
#    at each --grid count and at the default (the thread rule); the fit's seconds, the count and its source from
#    --json (OUT_DIR/grid.tsv). Goal: the default within 5% of the best fixed count.
# 3. Subnormals: train-bench subnormal (a product of subnormal operands with and without flush-to-zero, at 1 and
#    the largest count, OUT_DIR/subnormal.json), then train-bench fashion-mnist on the learnable synthetic set
#    (loss to about 0, where the issue saw float epochs grow 0.57 → 1.72 s while the floor stayed flat), 6 float
#    epochs at 1 and the largest count, with flush-to-zero (the default) and with --no-flush-to-zero
#    (OUT_DIR/subnormal-training-on.json, -off.json: each epoch's seconds and its floor's).
# 4. PyTorch on the same data (benchmarks/peers/train_torch.py, 3 epochs, float32 and float64) at its default
#    threads, all cores (OUT_DIR/torch.json); skipped with a note where torch is not installed.
# 5. The overlapped backward pass (ThreadRule.overlapsProducts): train-bench overlap, a dense layer's two backward
#    products one after the other and side by side for Fashion-MNIST's last layer at batch 128, 64 and 32, at 2
#    and the largest count (OUT_DIR/overlap.json); then train-bench fashion-mnist, float and double, at 8 (if
#    there) and the largest count, with the overlap (the default) and without (NN_PRODUCT_OVERLAP=off)
#    (OUT_DIR/overlap-training-on.json, -off.json).
# --steps runs only the steps listed (a later session can rerun one). Every step's output also goes to
# OUT_DIR/check.log; each step runs under `timeout` so one slow step cannot take the whole budget.
set -uo pipefail
bundle=$(cd "${1:?usage: device-check.sh BUNDLE_DIR OUT_DIR [options]}" && pwd); out=${2:?OUT_DIR}; shift 2
threads=1,2,4,8,16 grid=4,8,16 dataset=/usr/share/datasets/fashion-mnist steps=1,2,3,4,5
while [ $# -gt 0 ]; do
    case "$1" in
        --threads) threads=$2; shift 2 ;;
        --grid) grid=$2; shift 2 ;;
        --dataset) dataset=$2; shift 2 ;;
        --steps) steps=$2; shift 2 ;;
        *) echo "device-check.sh: unknown option $1" >&2; exit 64 ;;
    esac
done
mkdir -p "$out"; out=$(cd "$out" && pwd)
exec > >(tee -a "$out/check.log") 2>&1
export LD_LIBRARY_PATH="$bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
nn=$bundle/bin/nn
started=$(date +%s)
elapsed() { echo "[$(($(date +%s) - started)) s]"; }
largest=${threads##*,}
step() { [[ ",$steps," == *",$1,"* ]]; }  # whether --steps includes step $1

if step 1; then
    echo "== 1. the sweep $(elapsed)"
    timeout 150 "$bundle/device-sweep.sh" "$bundle" "$out" --threads "$threads" --epochs 3 --dataset "$dataset"
fi
# Without the sweep, what it would have written first: the kernels OpenBLAS picks and the recommendation.
[ -f "$out/doctor.json" ] || env -u OPENBLAS_CORETYPE NN_KEEP_BLAS_KERNELS=1 "$nn" doctor --json > "$out/doctor.json"
# The sweep ran on real data if it was there, else on the synthetic set it wrote.
[ -f "$dataset/train-images-idx3-ubyte.gz" ] || dataset="$out/fashion-mnist-synthetic"
synthetic="$out/fashion-mnist-synthetic"
[ -f "$synthetic/train-images-idx3-ubyte.gz" ] || python3 "$bundle/write_idx.py" "$synthetic"
# The kernels the sweep ran on (nn re-executes itself onto the same recommendation).
core=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d.get('recommendedCore') or d['blasCore'])" \
    "$out/doctor.json")
export OPENBLAS_CORETYPE=$core
unset OPENBLAS_NUM_THREADS GOTO_NUM_THREADS OMP_NUM_THREADS

fit() {  # DATASET_DIR ARGS... → "seconds<TAB>threads<TAB>source" from nn train --json
    local data=$1; shift
    NN_FASHION_MNIST_DIR=$data timeout 60 "$nn" train --dataset fashion-mnist --json "$@" 2>/dev/null |
        python3 -c "import json,sys; d=json.load(sys.stdin); t=d.get('threads') or {}; print(d['seconds'], t.get('count'), t.get('source'), sep='\\t')"
}

if step 2; then
    echo "== 2. the default-threads grid $(elapsed)"
    printf 'precision\tbatch\tthreads asked\tseconds\tthreads\tsource\n' > "$out/grid.tsv"
    for precision in float double; do
        for batch in 128 1024; do
            for count in ${grid//,/ } default; do
                option=(); [ "$count" = default ] || option=(--threads "$count")
                result=$(fit "$dataset" --epochs 3 --batch-size "$batch" --precision "$precision" "${option[@]}")
                printf '%s\t%s\t%s\t%s\n' "$precision" "$batch" "$count" "$result" | tee -a "$out/grid.tsv"
            done
        done
    done
fi
if step 3; then
    echo "== 3. subnormals $(elapsed)"
    timeout 60 "$bundle/bin/train-bench" subnormal --threads "1,$largest" --json "$out/subnormal.json"
    for flag in on off; do
        option=(); [ "$flag" = on ] || option=(--no-flush-to-zero)
        # Each epoch's seconds and its floor's (train-bench prints both; the floor's products run on normal numbers).
        OPENBLAS_CORETYPE=$core timeout 100 "$bundle/bin/train-bench" fashion-mnist --precision float \
            --threads "1,$largest" --epochs 6 --dataset "$synthetic" "${option[@]}" --json "$out/subnormal-training-$flag.json"
    done
fi
if step 4; then
    echo "== 4. PyTorch on the same data $(elapsed)"
    if python3 -c "import torch" 2>/dev/null; then
        NN_FASHION_MNIST_DIR=$dataset PYTHONUNBUFFERED=1 timeout 90 python3 "$bundle/peers/train_torch.py" --epochs 3 \
            --json "$out/torch.json"
    else
        echo "torch is not installed here: no PyTorch figures"
    fi
fi
if step 5; then
    echo "== 5. the overlapped backward pass $(elapsed)"
    overlapThreads=$(printf '%s\n' 2 "$largest" | sort -nu | paste -sd,)
    OPENBLAS_CORETYPE=$core timeout 40 "$bundle/bin/train-bench" overlap --threads "$overlapThreads" \
        --shapes 128x128x10,64x128x10,32x128x10 --json "$out/overlap.json"
    trainingThreads=$(printf '%s\n' 8 "$largest" | awk -v most="$largest" '$1 <= most' | sort -nu | paste -sd,)
    for flag in on off; do
        NN_PRODUCT_OVERLAP=$flag OPENBLAS_CORETYPE=$core timeout 60 "$bundle/bin/train-bench" fashion-mnist \
            --precision float --precision double --threads "$trainingThreads" --epochs 3 --dataset "$dataset" \
            --json "$out/overlap-training-$flag.json"
    done
fi
echo "done $(elapsed); results in $out"
