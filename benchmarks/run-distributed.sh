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
# thread against the two hosts x 1 thread each, from the training time nn prints. Each host runs on
# one half of the cores, and so does the one process (taskset, host a's half), so that both sides
# compute on a core of their own. Every point is run SAMPLES times (default 3), in turns, and
# printed as the median with the spread (fastest-slowest). Prints per rate the allreduce probe's time for
# the gradient buffer (blocking MPI_Allreduce, ranks polling, then yielding; then MPI_Iallreduce as
# nn runs it), then per batch: the step times, the speedup and the parallel efficiency (speedup / 2),
# the scaling model of BENCHMARKS.md for the same point (t1(B/2) + T, with t1 the one-process step
# time at half the batch, measured here too, and T = bytes / rate), and where a step's time goes:
# nn's step parts (computing, MPI calls during the backward pass, waiting for the sums, update) on
# each host, against one process's at half the batch (a 1-rank job on host a's core, last sample).
#
#   benchmarks/run-distributed.sh --two-hosts [NN]     (root; RATES="10gbit" to run one rate,
#                                                       BATCHES="512" one batch, SAMPLES=5)
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
    batches=${BATCHES:-128 512 2048}
    epochs=${EPOCHS:-2}
    samples=${SAMPLES:-3}
    two_hosts_setup 10gbit
    mpicc -O2 -o "$work/allreduce" benchmarks/mpi/allreduce.c
    mpicc -O2 -o "$work/iallreduce" benchmarks/mpi/iallreduce.c
    echo "== $(date -u +%Y-%m-%dT%H:%MZ), $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "== OpenBLAS $("$nn" doctor 2> /dev/null | sed -n "s/^kernels: *//p")"
    # The training time nn prints ("Trained 2 epochs (2 in all) in 1.23 s, ...").
    seconds() { sed -n 's/^Trained .* in \([0-9.]*\) s.*/\1/p' "$1"; }
    # "median (fastest-slowest)" of numbers, one a line.
    spread() { sort -g | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.3f (%.3f-%.3f)", m, v[1], v[NR] }'; }
    median() { sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
    # A step's parts as nn prints them: "computing C, calls K, waiting W, update U, early E%".
    parts() { sed -n "s/^rank $2 step: computing \([0-9.]*\) ms, MPI calls during the backward pass \([0-9.]*\) ms, waiting for the sums \([0-9.]*\) ms, update \([0-9.]*\) ms; .* in \([0-9]*\)% .*/computing \1, calls \2, waiting \3, update \4 ms, early sums complete \5%/p" "$1"; }
    common=(train --dataset fashion-mnist --epochs "$epochs" --threads 1 --quiet --seed 1)
    alone_cores=$two_hosts_cores_a
    steps() { echo $(((60000 + $1 - 1) / $1 * epochs)); }
    # One process, pinned as host a is, at every batch and half batch: SAMPLES runs each.
    declare -A alone
    for batch in $(for b in $batches; do echo $((b / 2)) "$b"; done | tr ' ' '\n' | sort -gu); do
        for sample in $(seq "$samples"); do
            taskset -c "$alone_cores" "$nn" "${common[@]}" --batch-size "$batch" > "$work/alone.txt"
            alone[$batch]+="$(seconds "$work/alone.txt") "
        done
    done
    for rate in $rates; do
        two_hosts_shape "$rate"
        echo "== $two_hosts_shaping"
        for yield in 0 1; do
            probe=$("${two_hosts_mpirun[@]}" --mca mpi_yield_when_idle "$yield" "$work/allreduce" 235148 200)
            echo "   allreduce probe, mpi_yield_when_idle $yield: $probe"
        done
        # As nn starts its sums (SumAlgorithm): recursive doubling; then libnbc's own choice.
        for algorithm in 4 0; do
            echo "   non-blocking probe, coll_libnbc_iallreduce_algorithm $algorithm:"
            "${two_hosts_mpirun[@]}" --mca coll_libnbc_iallreduce_algorithm "$algorithm" "$work/iallreduce" 235148 200 1000 50 \
                | sed -n '2,$p' | sed 's/^/   /'
        done
        for batch in $batches; do
            hosts=""
            for sample in $(seq "$samples"); do
                "${two_hosts_mpirun[@]}" "$nn" "${common[@]}" --batch-size "$batch" --distributed > "$work/hosts.txt" \
                    2> "$work/hosts.err"
                hosts+="$(seconds "$work/hosts.txt") "
            done
            grep '^nn: ' "$work/hosts.err" | sed 's/^/   /' || true
            buckets=$(sed -n 's/^allreduce: .* in \([0-9]*\) buckets\{0,1\} (\([0-9]*\) started.*/\1 (\2 during the backward pass)/p' "$work/hosts.txt")
            half=$((batch / 2))
            taskset -c "$alone_cores" mpirun -np 1 --bind-to none "$nn" "${common[@]}" --batch-size "$half" --distributed \
                > "$work/half.txt" 2> /dev/null
            n=$(steps "$batch") nh=$(steps "$half")
            t1=$(for s in ${alone[$batch]}; do echo "$s"; done | awk -v n="$n" '{ print $1 / n * 1000 }')
            t2=$(for s in $hosts; do echo "$s"; done | awk -v n="$n" '{ print $1 / n * 1000 }')
            th=$(for s in ${alone[$half]}; do echo "$s"; done | awk -v n="$nh" '{ print $1 / n * 1000 }')
            echo "   batch $batch, ms a step, median (fastest-slowest) of $samples: 1 process $(echo "$t1" | spread), 2 hosts $(echo "$t2" | spread), 1 process at batch $half $(echo "$th" | spread); $buckets buckets"
            awk -v one="$(echo "$t1" | median)" -v two="$(echo "$t2" | median)" -v half="$(echo "$th" | median)" \
                -v fast1="$(echo "$t1" | sort -g | head -1)" -v fast2="$(echo "$t2" | sort -g | head -1)" -v r="$rate" 'BEGIN {
                    bits = r + 0; if (r ~ /gbit/) bits *= 1e9; else if (r ~ /mbit/) bits *= 1e6
                    transfer = 940592 * 8 / bits * 1000
                    model = half + transfer
                    printf "     speedup %.2f, efficiency %.2f (fastest runs: %.2f); model %.3f ms (t1(B/2) %.3f + transfer %.3f), efficiency %.2f\n",
                        one / two, one / two / 2, fast1 / fast2 / 2, model, half, transfer, one / model / 2
                }'
            echo "     host a (rank 0): $(parts "$work/hosts.txt" 0)"
            echo "     host b (rank 1): $(parts "$work/hosts.txt" 1)"
            echo "     1 process at batch $half: $(parts "$work/half.txt" 0)"
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
