#!/usr/bin/env bash
# What OpenBLAS allows for overlapping a dense layer's two backward products (issue #26, "Past the floor"):
# per-call thread counts, concurrent threaded products, and whether a product's bits depend on its thread
# count. Builds concurrent_gemm.c with the system's cc against the installed OpenBLAS and runs it for the
# kernels given (default: the one OpenBLAS picks, then SkylakeX, Haswell and Zen through OPENBLAS_CORETYPE).
#
#   benchmarks/overlap/run.sh [CORETYPE...]      (on a shared machine: under flock /tmp/swift-build.lock)
#
# Output: benchmarks/results/overlap-openblas.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
cc -O2 -o "$build/concurrent_gemm" benchmarks/overlap/concurrent_gemm.c -lopenblas -lpthread
log=benchmarks/results/overlap-openblas.txt
library=$(ldd "$build/concurrent_gemm" | awk '/libopenblas/ { print $3 }')
{
    echo "# $(date -u +%FT%TZ), $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $library"
    echo "per-call thread count (openblas_set_num_threads_local) exported: $(nm -D "$(readlink -f "$library")" \
        | grep -q ' T openblas_set_num_threads_local$' && echo yes || echo no)"
    cores=("$@"); [ ${#cores[@]} -gt 0 ] || cores=(default SkylakeX Haswell Zen)
    for core in "${cores[@]}"; do
        echo "## kernels: $core"
        environment=(); [ "$core" = default ] || environment=(OPENBLAS_CORETYPE="$core")
        env "${environment[@]}" "$build/concurrent_gemm" bits
        for shape in "128 128 10 3000" "64 64 64 3000" "128 256 128 300" "128 784 256 60" "512 512 512 10"; do
            # shellcheck disable=SC2086
            env "${environment[@]}" "$build/concurrent_gemm" time $shape
        done
    done
} | tee "$log"
