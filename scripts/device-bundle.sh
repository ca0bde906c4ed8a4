#!/usr/bin/env bash
# Builds a relocatable bundle of the release `nn`, `train-bench` and `gemm-bench` with every shared library they
# load (the Swift runtime, Foundation, OpenBLAS, LAPACKE, gfortran...), plus the sweep scripts, as one xz
# tarball: it runs on a machine without a Swift toolchain or Debian's BLAS (such as the 16-core machine the
# `device` tool lends). Only libc, libm, libstdc++, libgcc_s, libz and the loader are left to the host.
#
#   scripts/device-bundle.sh [OUT_DIR]        (default .device; add `/.device/` to .git/info/exclude)
#
# Then, on the other machine (the device tool: carry OUT_DIR, at most 64 MiB):
#   mkdir -p /tmp/w && tar xJf OUT_DIR/bundle.tar.xz -C /tmp/w && /tmp/w/b/device-sweep.sh /tmp/w/b "$OUT"
# device-sweep.sh (in the bundle) writes Fashion-MNIST IDX files if none are there and runs the thread sweep.
# device-check.sh runs issue #26's whole check (the sweep, the default-threads grid, subnormals with and without
# flush-to-zero, PyTorch on the same data, the overlapped backward pass with and without) in under 5 minutes:
#   mkdir -p /tmp/w && tar xJf OUT_DIR/bundle.tar.xz -C /tmp/w && /tmp/w/b/device-check.sh /tmp/w/b "$OUT"
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-.device}
products=(nn train-bench gemm-bench)
limit=$((64 * 1024 * 1024))

for product in "${products[@]}"; do nice -n 5 swift build -c release --product "$product" >/dev/null; done
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/b/bin" "$work/b/lib" "$out"
for product in "${products[@]}"; do
    cp "$bin/$product" "$work/b/bin/"
    # Every library the loader resolves to a file, except the host's C and C++ runtime.
    ldd "$bin/$product" | awk '/=> \//{print $3}' | while read -r lib; do
        case "$(basename "$lib")" in
            libc.so*|libm.so*|libstdc++.so*|libgcc_s.so*|libz.so*|ld-linux*|libpthread.so*|libdl.so*|librt.so*) ;;
            *) cp -Ln "$lib" "$work/b/lib/" ;;
        esac
    done
done
cp scripts/device/device-sweep.sh scripts/device/device-check.sh scripts/device/write_idx.py "$work/b/"
mkdir -p "$work/b/peers"
cp benchmarks/peers/train_torch.py benchmarks/peers/train_common.py "$work/b/peers/"
git rev-parse HEAD > "$work/b/COMMIT" 2>/dev/null || true
strip --strip-unneeded "$work"/b/bin/* "$work"/b/lib/* 2>/dev/null || true
tar cJf "$out/bundle.tar.xz" -C "$work" b
size=$(stat -c %s "$out/bundle.tar.xz")
echo "$out/bundle.tar.xz: $((size / 1024 / 1024)) MiB ($size bytes), $(ls "$work/b/lib" | wc -l) libraries"
if [ "$size" -gt "$limit" ]; then echo "error: the bundle exceeds 64 MiB, the device tool's limit" >&2; exit 1; fi
