#!/usr/bin/env bash
# Installs the Debian packages this project needs, if any are missing; with --mpi, those of
# distributed training instead (Open MPI: the MPI trait, `make dist`, scripts/mpi-tests.sh).
# As root it runs apt-get; without root it uses sudo when that works without a password,
# and otherwise prints the command to run and fails. With everything installed it does nothing.
set -euo pipefail

packages=(libopenblas-dev liblapacke-dev pkg-config zlib1g-dev dataset-fashion-mnist)
if [ "${1:-}" = --mpi ]; then packages=(libopenmpi-dev openmpi-bin); fi

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing missing packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    runner=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    runner=(sudo -n)
else
    echo "error: missing packages: ${missing[*]}" >&2
    echo "Install them as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${runner[@]}" apt-get update -qq
"${runner[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
