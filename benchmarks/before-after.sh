#!/usr/bin/env bash
# Before and after a change to the trainer, in one run: the earlier train-bench (a copy of its release
# binary, made before the change) and the current one, alternated, on the notebook-000 XOR workload and on
# Fashion-MNIST epochs with their raw-product floor. Alternating puts both under the same machine state,
# so their ratios are fair on a shared machine where absolute times drift.
#
#   cp "$(swift build -c release --show-bin-path)/train-bench" /tmp/before/   # before the change
#   ... change, then:
#   benchmarks/before-after.sh /tmp/before/train-bench [ROUNDS] [THREADS]
#
# ROUNDS (default 3) alternations; THREADS (default 2) the OpenBLAS thread count. Prints one line per run
# and the medians; the raw lines go to benchmarks/results/before-after.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
before=${1:?usage: before-after.sh BEFORE_TRAIN_BENCH [ROUNDS] [THREADS]}
rounds=${2:-3} threads=${3:-2}
swift build -c release --product train-bench >/dev/null
after="$(swift build -c release --show-bin-path)/train-bench"
log=benchmarks/results/before-after.txt
: > "$log"
for round in $(seq "$rounds"); do
    for side in before after; do
        binary=$before; [ "$side" = after ] && binary=$after
        echo "[$side round $round] $("$binary" xor --repeats 5)" | tee -a "$log"
        "$binary" fashion-mnist --epochs 3 --precision float --precision double --threads "$threads" \
            | sed "s/^/[$side round $round] /" | tee -a "$log"
    done
done
python3 - "$log" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    side = line.split("]")[0].split()[0].lstrip("[")
    if m := re.search(r"xor .*median ([0-9.]+) s", line):
        rows.setdefault(("xor seconds", side), []).append(float(m.group(1)))
    if m := re.search(r"fashion-mnist (float|double) .*median \(after the first\) ([0-9.]+) s.*ratio ([0-9.]+)", line):
        rows.setdefault((f"fashion {m.group(1)} epoch s", side), []).append(float(m.group(2)))
        rows.setdefault((f"fashion {m.group(1)} epoch/floor", side), []).append(float(m.group(3)))
print(f"{'measure':28} {'before':>9} {'after':>9} {'after/before':>13}")
for name in dict.fromkeys(key[0] for key in rows):
    b, a = statistics.median(rows[(name, "before")]), statistics.median(rows[(name, "after")])
    print(f"{name:28} {b:9.4f} {a:9.4f} {a / b:13.3f}")
PY
