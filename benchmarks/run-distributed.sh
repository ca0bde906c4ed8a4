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
#
# With --two-hosts, instead: two hosts simulated by network namespaces (scripts/lib/two-hosts.sh, as
# scripts/mpi-two-hosts.sh makes them), the link shaped to 1, 10 and 100 Gbit/s, and at global batches
# 128, 512 and 2048 of Fashion-MNIST (784-256-128-10, float, EPOCHS epochs, default 2): one process x 1
# thread against the two hosts x 1 thread each (each host on one half of the cores), from the training
# time nn prints. Prints per rate the allreduce probe's time for the gradient buffer (ranks polling, then
# yielding), then per batch the step times, the steps' wait for
# their sums after the backward pass (nn's allreduce line), the speedup and the parallel efficiency
# (speedup / 2), and the scaling model of BENCHMARKS.md for the same point: t1(B/2) + T, with t1 the
# one-process step time at half the batch (measured here too) and T = bytes / rate.
#
#   benchmarks/run-distributed.sh --two-hosts [NN]     (root; RATES="10gbit" to run one rate)
set -euo pipefail
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
two_hosts=0
if [ "${1:-}" = --two-hosts ]; then
    two_hosts=1
    shift
fi
nn=${1:-$(swift build -c release --traits MPI --scratch-path .build-mpi --show-bin-path)/nn}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ "$two_hosts" = 1 ]; then
    # shellcheck source=scripts/lib/two-hosts.sh
    source scripts/lib/two-hosts.sh
    trap 'two_hosts_cleanup; rm -rf "$work"' EXIT
    if ! two_hosts_available; then
        echo "two-host mode: $two_hosts_unavailable (needs root, ip and network namespaces)" >&2
        exit 1
    fi
    rates=${RATES:-1gbit 10gbit 100gbit}
    epochs=${EPOCHS:-2}
    two_hosts_setup 10gbit
    mpicc -O2 -o "$work/allreduce" benchmarks/mpi/allreduce.c
    echo "== $(date -u +%Y-%m-%dT%H:%MZ), $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "== OpenBLAS $("$nn" doctor 2> /dev/null | sed -n "s/^kernels: *//p")"
    # The training time nn prints ("Trained 2 epochs (2 in all) in 1.23 s, ...").
    seconds() { sed -n 's/^Trained .* in \([0-9.]*\) s.*/\1/p' "$1"; }
    common=(train --dataset fashion-mnist --epochs "$epochs" --threads 1 --quiet --seed 1)
    declare -A alone
    for batch in 64 128 256 512 1024 2048; do
        "$nn" "${common[@]}" --batch-size "$batch" > "$work/alone.txt"
        alone[$batch]=$(seconds "$work/alone.txt")
    done
    steps() { echo $(((60000 + $1 - 1) / $1 * epochs)); }
    for rate in $rates; do
        two_hosts_shape "$rate"
        echo "== $two_hosts_shaping"
        for yield in 0 1; do
            probe=$("${two_hosts_mpirun[@]}" --mca mpi_yield_when_idle "$yield" "$work/allreduce" 235148 200)
            echo "   allreduce probe, mpi_yield_when_idle $yield: $probe"
        done
        for batch in 128 512 2048; do
            "${two_hosts_mpirun[@]}" "$nn" "${common[@]}" --batch-size "$batch" --distributed > "$work/hosts.txt" \
                2> "$work/hosts.err"
            grep '^nn: ' "$work/hosts.err" | sed 's/^/   /' || true
            waited=$(sed -n 's/.* \([0-9]*\) µs a step waiting after it.*/\1/p' "$work/hosts.txt")
            buckets=$(sed -n 's/^allreduce: .* in \([0-9]*\) buckets\{0,1\} (\([0-9]*\) started.*/\1 (\2 during backward)/p' "$work/hosts.txt")
            awk -v b="$batch" -v one="${alone[$batch]}" -v half="${alone[$((batch / 2))]}" -v two="$(seconds "$work/hosts.txt")" \
                -v n="$(steps "$batch")" -v nh="$(steps $((batch / 2)))" -v w="$waited" -v k="$buckets" -v r="$rate" 'BEGIN {
                    bits = r + 0; if (r ~ /gbit/) bits *= 1e9; else if (r ~ /mbit/) bits *= 1e6
                    t1 = one / n * 1000; t2 = two / n * 1000; th = half / nh * 1000
                    transfer = 940592 * 8 / bits * 1000
                    model = th + transfer
                    printf "   batch %4d: 1 process %.3f ms a step, 2 hosts %.3f ms (waiting %.3f ms for %s buckets), speedup %.2f, efficiency %.2f; model %.3f ms (t1(B/2) %.3f + transfer %.3f), efficiency %.2f\n",
                        b, t1, t2, w / 1000, k, t1 / t2, t1 / t2 / 2, model, th, transfer, t1 / model / 2
                }'
        done
    done
    exit 0
fi

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
