#!/usr/bin/env bash
# Save and load times and peak memory of float model files of 1M, 10M and (with MODEL_FILE_BENCH_100M=1)
# 100M parameters (issue 19 item 2). Prints model-file-bench's own figures (seconds, MB/s, peak resident
# memory during the step) and /usr/bin/time -v's whole-process maximum resident set size.
#
#   benchmarks/model-file.sh [FOLDER]      FOLDER for the model files (default: a temporary folder)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product model-file-bench >/dev/null
folder=${1:-$(mktemp -d)}
sizes="1000000 10000000"
[ "${MODEL_FILE_BENCH_100M:-0}" = 1 ] && sizes="$sizes 100000000"
for parameters in $sizes; do
    file="$folder/model-$parameters.json"
    for step in save load; do
        if [ $step = save ]; then args=(save "$parameters" "$file"); else args=(load "$file"); fi
        /usr/bin/time -v .build/release/model-file-bench "${args[@]}" 2>"$folder/time.txt"
        grep -E "Maximum resident set size|Elapsed \(wall" "$folder/time.txt" | sed 's/^\s*/    /'
    done
    ls -l "$file" | awk '{print "    file size: " $5 " bytes"}'
    rm -f "$file"
done
