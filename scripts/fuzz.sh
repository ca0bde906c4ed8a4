#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/) with AddressSanitizer and runs each for SECONDS (default 10).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     TARGET: CSV IDX NPY ModelFile Checkpoint (default: all five)
#
# The build goes to .build-fuzz (release, -sanitize=fuzzer,address, -DFUZZING). Each target starts
# from its committed seed corpus, Fuzz/Corpus/TARGET, copied to .build-fuzz/corpus/TARGET (where
# the inputs libFuzzer finds accumulate between runs; nothing is written to Fuzz/). Crash inputs go
# to .build-fuzz/artifacts/TARGET/; replay one with the normal build: `swift run FuzzCSV FILE`.
# Exits non-zero when a target crashes. On a shared machine, wrap it in the build lock:
#   flock /tmp/swift-build.lock scripts/fuzz.sh 600 CSV
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
[ $# -gt 0 ] && shift
targets=${*:-CSV IDX NPY ModelFile Checkpoint}
scratch=.build-fuzz

for target in $targets; do
    swift build -c release --scratch-path "$scratch" --product "Fuzz$target" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING 2>&1 \
        | { grep -v "Cannot export local symbol" || true; }
done

status=0
for target in $targets; do
    corpus="$scratch/corpus/$target"
    artifacts="$scratch/artifacts/$target"
    mkdir -p "$corpus" "$artifacts"
    cp -n Fuzz/Corpus/"$target"/* "$corpus"/ 2>/dev/null || true
    echo "== Fuzz$target for $seconds s (corpus $corpus)"
    # Swift's runtime keeps some allocations for the process's lifetime: leak reports are noise here.
    if ! ASAN_OPTIONS=detect_leaks=0 "$scratch/release/Fuzz$target" "$corpus" \
        -max_total_time="$seconds" -max_len=16384 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" 2>"$scratch/Fuzz$target.log"; then
        status=1
        echo "Fuzz$target: a crash; input in $artifacts/, log in $scratch/Fuzz$target.log" >&2
        grep -A30 "ERROR:\|Fatal error\|==ERROR" "$scratch/Fuzz$target.log" | head -60 >&2 || true
    fi
    grep -E "stat::number_of_executed_units|stat::new_units_added|cov: " "$scratch/Fuzz$target.log" | tail -3
done
exit $status
