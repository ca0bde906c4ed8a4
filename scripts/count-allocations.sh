#!/usr/bin/env bash
# Checks that a training step allocates nothing: runs `nn train` with an LD_PRELOAD library that
# counts malloc/calloc/realloc/posix_memalign calls (scripts/allocation-count/count_malloc.c), for two
# run lengths, and prints how many allocations the extra steps added.
#
#   scripts/count-allocations.sh          (builds nn in release mode first)
#
# Expected: 0 extra allocations for the extra full-batch steps of the first notebook, and 1 per extra
# epoch with mini-batches (the epoch's shuffled order). Run with OPENBLAS_NUM_THREADS=1 for products
# large enough to be threaded: OpenBLAS's threaded gemm itself mallocs once per call.
#
# The convolutional case (issue 25's network: conv, max pool, conv, max pool, dense, dropout, dense,
# Adam, batches of 128) runs `train-bench cnn` for one epoch of 2 and of 22 steps on 1 thread (with
# Fashion-MNIST installed). The process's count varies by a few allocations from run to run whatever
# the length (the runtime's and OpenBLAS's own), so the script fails when the 20 extra steps add 20
# or more: any allocation in a step would.
set -euo pipefail
cd "$(dirname "$0")/.."
compiler=$(command -v cc || command -v clang)
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
"$compiler" -O2 -shared -fPIC -o "$workdir/libcount.so" scripts/allocation-count/count_malloc.c -ldl
swift build -c release --product nn >/dev/null 2>&1 || swift build -c release --product nn
nn=$(swift build -c release --show-bin-path)/nn

count() { LD_PRELOAD="$workdir/libcount.so" "$nn" "$@" --quiet 2>&1 | sed -n 's/^allocations: //p'; }

short=$(count train --dataset notebook-000 --epochs 2000)
long=$(count train --dataset notebook-000 --epochs 12000)
echo "notebook-000, full batch: 2,000 steps $short allocations, 12,000 steps $long: $((long - short)) for 10,000 more steps"

python3 - "$workdir/small.csv" <<'PY'
import random, sys
random.seed(0)
with open(sys.argv[1], "w") as f:
    f.write("a,b,label\n")
    for _ in range(100):
        a, b = random.random(), random.random()
        f.write(f"{a},{b},{int(a + b > 1)}\n")
PY
short=$(count train --data "$workdir/small.csv" --target label --layers 4 --batch-size 2 --epochs 10)
long=$(count train --data "$workdir/small.csv" --target label --layers 4 --batch-size 2 --epochs 20)
echo "100 samples, batches of 2 (50 steps an epoch): 10 epochs $short allocations, 20 epochs $long: $((long - short)) for 500 more steps"

fashion=/usr/share/datasets/fashion-mnist
if [ -d "$fashion" ]; then
    swift build -c release --product train-bench >/dev/null 2>&1 || swift build -c release --product train-bench
    bench=$(swift build -c release --show-bin-path)/train-bench
    # One epoch of `samples` images; the run's fixed costs (the data, the plan, the epoch's order, the
    # test evaluation) are the same for both lengths, so the difference is what the steps allocate.
    # Without the benchmark's raw-product floor, which is not the trainer (its first pass allocates once).
    count_cnn() {
        OPENBLAS_NUM_THREADS=1 LD_PRELOAD="$workdir/libcount.so" "$bench" cnn --threads 1 --epochs 1 \
            --samples "$1" --no-floor \
            --dataset "$fashion" 2>&1 | sed -n 's/^allocations: //p'
    }
    short=$(count_cnn 256)
    long=$(count_cnn 2816)
    echo "cnn (issue 25's network), batches of 128: 2 steps $short allocations, 22 steps $long: $((long - short)) for 20 more steps"
    if [ -z "$short" ] || [ -z "$long" ] || [ $((long - short)) -ge 20 ]; then
        echo "FAIL: a convolutional training step allocates ($((long - short)) for 20 more steps)" >&2
        exit 1
    fi
else
    echo "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist): skipping the convolutional case"
fi
