#!/usr/bin/env bash
# The measurements behind BENCHMARKS.md's "Distributed training" section (short runs; the machine
# may be shared, so take the figures as one sample each):
#   1. one in-place MPI_Allreduce of the gradient buffer (235,148 floats) and of 1 KB at 2 ranks;
#   2. a Fashion-MNIST epoch (784-256-128-10, float, batch 128) at 1 rank x 2 threads against
#      2 ranks x 1 thread;
#   3. the step time of one process (2 threads, then 1) at local batches 16 ... 1024, the input of the
#      multi-machine model in BENCHMARKS.md.
#
#   benchmarks/run-distributed.sh [NN]    NN: an nn built with the MPI trait (default .build-mpi's)
set -euo pipefail
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
nn=${1:-$(swift build -c release --traits MPI --scratch-path .build-mpi --show-bin-path)/nn}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== $(date -u +%Y-%m-%dT%H:%MZ), $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
echo "== 1. allreduce at 2 ranks"
mpicc -O2 -o "$work/allreduce" benchmarks/mpi/allreduce.c
mpirun --oversubscribe -np 2 "$work/allreduce" 235148 300
mpirun --oversubscribe -np 2 "$work/allreduce" 256 300

echo "== 2. one epoch, 1 rank x 2 threads against 2 ranks x 1 thread (3 epochs each, the summary's time)"
"$nn" train --dataset fashion-mnist --epochs 3 --threads 2 --quiet | grep -E '^Trained|^final loss'
mpirun --oversubscribe -np 2 "$nn" train --dataset fashion-mnist --epochs 3 --threads 1 --quiet --distributed \
    | grep -E '^Trained|^allreduce|^final loss'

echo "== 3. step time of one process at local batch B (1 epoch of 12,800 samples)"
for threads in 2 1; do
    for batch in 16 32 64 128 256 512 1024; do
        line=$("$nn" train --dataset fashion-mnist --limit 12800 --epochs 1 --batch-size "$batch" --threads "$threads" \
            --quiet | grep '^Trained')
        seconds=$(echo "$line" | sed -n 's/.* in \([0-9.]*\) s.*/\1/p')
        steps=$(((12800 + batch - 1) / batch))
        awk -v t="$threads" -v b="$batch" -v s="$seconds" -v n="$steps" \
            'BEGIN { printf "threads %d  batch %5d  %3d steps in %.3f s: %.3f ms a step\n", t, b, n, s, s / n * 1000 }'
    done
done
