#!/usr/bin/env bash
# A relocatable nn: the Swift standard library and Foundation linked in (--static-swift-stdlib), so
# that the binary runs on machines without a Swift toolchain (cluster nodes, say), needing only
# OpenBLAS and LAPACKE (libopenblas0, liblapacke) and, for the MPI build, Open MPI (libopenmpi3).
#
#   scripts/dist.sh [plain|mpi|all]    (default all; `make dist`)
#
# Writes dist/nn (without MPI) and dist/nn-mpi (with the MPI trait), each from its own scratch
# folder so that the default .build stays as it is. Then checks each from another folder, with the
# toolchain's libraries out of LD_LIBRARY_PATH: `ldd` names no Swift library, and the binary trains
# a small network (and, for nn-mpi, 2 ranks under mpirun do).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
which=${1:-all}
mkdir -p dist

build() {  # build NAME SCRATCH [swift build options]
    local name=$1 scratch=$2
    shift 2
    swift build -c release --static-swift-stdlib --scratch-path "$scratch" --product nn "$@"
    cp "$(swift build -c release --static-swift-stdlib --scratch-path "$scratch" --show-bin-path "$@")/nn" "dist/$name"
    strip "dist/$name" 2> /dev/null || true
}

check() {  # check NAME
    local binary=$root/dist/$1
    local folder
    folder=$(mktemp -d)
    # No Swift runtime, Foundation or ICU library from the toolchain may be needed.
    if ldd "$binary" | grep -E 'libswift|libFoundation|lib_FoundationICU|libdispatch|libBlocksRuntime'; then
        echo "error: $binary still needs the libraries above" >&2
        exit 1
    fi
    # Run from elsewhere, with only the system's library path.
    (cd "$folder" && env -u LD_LIBRARY_PATH PATH=/usr/bin:/bin "$binary" train --dataset xor --layers 4 --activation tanh \
        --epochs 200 --learning-rate 0.5 --save xor.json --quiet > out.txt)
    grep -q '^final loss' "$folder/out.txt" && test -s "$folder/xor.json"
    echo "$1: $(du -h "$binary" | cut -f1), runs from $folder without the toolchain's libraries: $(ldd "$binary" | awk '{print $1}' | tr '\n' ' ')"
    rm -rf "$folder"
}

if [ "$which" = plain ] || [ "$which" = all ]; then
    build nn .build-dist
    check nn
fi
if [ "$which" = mpi ] || [ "$which" = all ]; then
    build nn-mpi .build-dist-mpi --traits MPI
    check nn-mpi
    folder=$(mktemp -d)
    (cd "$folder" && env -u LD_LIBRARY_PATH PATH=/usr/bin:/bin OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
        OMPI_MCA_btl_vader_single_copy_mechanism=none mpirun --oversubscribe -np 2 "$root/dist/nn-mpi" train \
        --dataset xor --layers 4 --activation tanh --epochs 200 --learning-rate 0.5 --quiet --distributed > out.txt)
    grep -q '^final loss' "$folder/out.txt"
    echo "nn-mpi: 2 ranks under mpirun from $folder: $(grep '^final loss' "$folder/out.txt")"
    rm -rf "$folder"
fi
