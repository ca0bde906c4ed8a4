#!/usr/bin/env bash
# Where does a second OpenBLAS thread start to pay in training? Times `nn train` (the fit only, from its
# "Trained ... in S s" line) at 1 and 2 threads on synthetic classification data (numpy writes it), for networks
# whose step spans 1-26 million forward multiply-adds (batch 128 × parameters), REPEATS times interleaved, and
# prints the fastest run of each (the least disturbed on a shared machine). ThreadDefaults.smallStepMultiplyAdds
# in Sources/nn is the rule this measures.
#   scripts/thread-crossover.sh [REPEATS]      (default 3; nn from .build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-3}
nn=$(swift build -c release --show-bin-path)/nn
data=$(mktemp -d); trap 'rm -rf "$data"' EXIT
python3 - "$data" <<'PY'
import sys, numpy as np
r = np.random.default_rng(0)
for name, n, d in (("digits", 1797, 64), ("d64", 12800, 64), ("d784", 12800, 784)):
    y = r.integers(0, 10, n); proto = r.normal(size=(10, d))
    np.savez(f"{sys.argv[1]}/{name}.npz", x=(proto[y] + r.normal(size=(n, d))).astype(np.float32), y=y)
PY
# Epochs chosen so that each fit takes at least about 0.2 s (the printed time has two decimals).
configs=("digits 64 100 200" "d64 64 100 30" "d784 784 16 20" "d64 64 200 20" "d64 64 400 10" "d64 64 1600 3"
    "d784 784 32 10" "d784 784 64 6" "d784 784 128 3" "d784 784 256 3")
log=$data/log
for _ in $(seq "$repeats"); do
    for config in "${configs[@]}"; do
        set -- $config
        for threads in 1 2; do
            seconds=$("$nn" train --data "$data/$1.npz" --layers "$3" --epochs "$4" --batch-size 128 --threads "$threads" \
                --loss softmax-cross-entropy --learning-rate 0.01 --quiet | sed -n 's/^Trained .* in \([0-9.]*\) s.*/\1/p')
            echo "$1 $2 $3 $4 $threads $seconds" >> "$log"
        done
    done
done
python3 - "$log" <<'PY'
import sys, collections
best = collections.defaultdict(lambda: float("inf"))
for line in open(sys.argv[1]):
    name, inputs, hidden, epochs, threads, seconds = line.split()
    key = (name, int(inputs), int(hidden), epochs)
    best[key, int(threads)] = min(best[key, int(threads)], float(seconds))
print("| data | network | multiply-adds per step | 1 thread (s) | 2 threads (s) | 2 / 1 |")
print("|---|---|---:|---:|---:|---:|")
for key in sorted({k for k, _ in best}, key=lambda k: 128 * (k[1] * k[2] + k[2] * 10)):
    name, inputs, hidden, epochs = key
    one, two = best[key, 1], best[key, 2]
    print(f"| {name} ({epochs} epochs) | {inputs}-{hidden}-10 | {128 * (inputs * hidden + hidden * 10) / 1e6:.1f} M | {one:.2f} | {two:.2f} | {two / one:.2f} |")
PY
