#!/usr/bin/env bash
# Runs kernel_probe.c for each kernel family and thread count, ROUNDS times interleaved, and prints the
# median over rounds of each figure (GFLOP/s; CPU-time based at 1 thread, wall time above).
#   scripts/kernel-probe/run.sh [ROUNDS] [THREADS...]     (default 3 rounds, threads 1 2)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rounds=${1:-3}; shift || true
threads=("$@"); [ ${#threads[@]} -gt 0 ] || threads=(1 2)
probe=$(mktemp -d)/kernel_probe; log=$(mktemp)
cc -O2 "$here/kernel_probe.c" -o "$probe" -lopenblas
for round in $(seq "$rounds"); do
    for count in "${threads[@]}"; do
        for core in Zen Haswell SkylakeX Cooperlake unset; do
            if [ "$core" = unset ]; then env -u OPENBLAS_CORETYPE "$probe" "$count" | sed 's/^/picked:/' >> "$log"
            else OPENBLAS_CORETYPE=$core "$probe" "$count" >> "$log"; fi
        done
    done
done
python3 - "$log" <<'PY'
import sys, statistics, collections
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    core, precision, threads, shape, median, best = line.split()
    runs[(precision, int(threads), shape)].append((core, float(median), float(best)))
cores = sorted({c for v in runs.values() for c, _, _ in v})
print("| precision | threads | shape | " + " | ".join(cores) + " |")
print("|---|---:|---|" + "---:|" * len(cores))
for key in sorted(runs):
    cells = []
    values = {c: statistics.median([m for cc, m, _ in runs[key] if cc == c]) for c in cores}
    top = max(values.values())
    for c in cores:
        text = f"{values[c]:.1f}"
        cells.append(f"**{text}**" if values[c] == top else text)
    print(f"| {key[0]} | {key[1]} | {key[2]} | " + " | ".join(cells) + " |")
PY
