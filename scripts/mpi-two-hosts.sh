#!/usr/bin/env bash
# Distributed training across two hosts, simulated on this machine: two network namespaces (each its
# own network stack) joined by a veth pair, the link shaped to RATE (default 10gbit), and Open MPI
# started into them through an rsh agent that runs its command in the namespace of the host it is
# given, over TCP only. This is README's two-machine recipe (docs/DISTRIBUTED.md) less the namespaces.
# CI runs it after scripts/mpi-tests.sh (.ci/run); it needs root (CAP_NET_ADMIN) and `ip`, and says
# so in one line and exits 0 where it cannot create the namespaces.
#
#   scripts/mpi-two-hosts.sh [NN]     NN: an nn built with the MPI trait (default: build one in .build-mpi)
#   RATE=1gbit scripts/mpi-two-hosts.sh ...
#
# 1. The two hosts give one process's weights: double within 1e-12, float within 1e-5 (the saved
#    models' tensors compared value by value).
# 2. A checkpoint written on the two hosts resumes on them and ends as one process's uninterrupted run.
# 3. A rank killed on host b ends the job with a non-zero exit within seconds (no hang), and mpirun
#    names the rank, the host and the signal.
# 4. A data file missing on host b (an empty folder mounted over its folder there) ends the job with
#    the file's name, "aborted the job" and a non-zero exit.
#
# The namespaces, the link and every process in them are removed on exit, on success or failure.
# `tc netem` (rate and 50 µs delay) is used where the kernel has it; otherwise `tc tbf` shapes the
# rate alone and the script says that the delay is not simulated.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
rate=${RATE:-10gbit}

if [ $# -ge 1 ]; then
    nn=$(realpath "$1")
else
    swift build -c release --traits MPI --scratch-path .build-mpi --product nn
    nn=$(swift build -c release --traits MPI --scratch-path .build-mpi --show-bin-path)/nn
fi
# The path as /proc/PID/exe gives it, to find the rank on host b (check 3).
nn=$(realpath "$nn")

# shellcheck source=scripts/lib/two-hosts.sh
source scripts/lib/two-hosts.sh
work=$(mktemp -d)
trap 'two_hosts_cleanup; rm -rf "$work"' EXIT
if ! two_hosts_available; then
    echo "skipped: two-host checks: $two_hosts_unavailable (they need root, ip and network namespaces)"
    exit 0
fi
two_hosts_setup "$rate"
echo "two hosts: namespaces $two_hosts_a ($two_hosts_address_a) and $two_hosts_b ($two_hosts_address_b), link shaped by $two_hosts_shaping"
hosts=("${two_hosts_mpirun[@]}")

cd "$work"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

# A safetensors file's tensor values, one a line (od type f8 or f4), after its 8-byte header length
# and JSON header.
values() {
    local length
    length=$(od -A n -t u8 -N 8 "$1" | tr -d ' ')
    tail -c +$((9 + length)) "$1" | od -A n -v -t "$2" | tr -s ' ' '\n' | sed '/^$/d'
}
# "LARGEST COUNT": the largest absolute difference between two models' values, and their count.
difference() {
    paste <(values "$1" "$3") <(values "$2" "$3") | awk '
        NF != 2 { mismatch = 1 }
        { d = $1 - $2; if (d < 0) d = -d; if (d > m) m = d; n++ }
        END { if (mismatch || n == 0) print "mismatch", n; else printf "%.3g %d\n", m, n }'
}
# Whether the difference is at most the tolerance.
within() { awk -v d="$1" -v t="$2" 'BEGIN { exit !(d != "mismatch" && d + 0 <= t + 0) }'; }

common=(train --dataset fashion-mnist --limit 6400 --layers 32 --batch-size 128 --seed 3 --threads 1 --quiet
    --optimizer momentum --learning-rate 0.01 --schedule constant)

# 1. Exactness against one process.
for case in "double f8 1e-12 2" "float f4 1e-5 1"; do
    read -r precision type tolerance epochs <<< "$case"
    "$nn" "${common[@]}" --precision "$precision" --epochs "$epochs" --save "alone-$precision.safetensors" > alone.txt
    if "${hosts[@]}" "$nn" "${common[@]}" --precision "$precision" --epochs "$epochs" --distributed \
        --save "hosts-$precision.safetensors" > hosts.txt 2> hosts.err; then
        read -r largest count <<< "$(difference "alone-$precision.safetensors" "hosts-$precision.safetensors" "$type")"
        if within "$largest" "$tolerance"; then
            pass "$precision, 2 hosts against 1 process: $count weights within $largest (at most $tolerance)"
        else
            fail "$precision, 2 hosts against 1 process: weights differ by $largest ($count values), more than $tolerance"
        fi
    else
        fail "$precision on 2 hosts: exit $?: $(cat hosts.err)"
    fi
done

# 2. Resume on the two hosts: epoch 1 there with a checkpoint, then epoch 2 there, against one process.
if "${hosts[@]}" "$nn" "${common[@]}" --precision double --epochs 1 --checkpoint-every 1 \
    --checkpoint run.checkpoint.safetensors --distributed > /dev/null 2> resume.err \
    && "${hosts[@]}" "$nn" "${common[@]}" --precision double --epochs 2 --checkpoint-every 1 \
        --checkpoint run.checkpoint.safetensors --resume run.checkpoint.safetensors --distributed \
        --save resumed.safetensors > /dev/null 2>> resume.err; then
    read -r largest count <<< "$(difference alone-double.safetensors resumed.safetensors f8)"
    if within "$largest" 1e-12; then pass "checkpoint on 2 hosts, resumed on 2 hosts: weights within $largest of 1 process"
    else fail "resumed on 2 hosts: weights differ from 1 process by $largest"; fi
else
    fail "resume on 2 hosts: $(cat resume.err)"
fi

# 3. A rank killed on host b: the job ends, non-zero, within seconds.
"${hosts[@]}" "$nn" train --dataset fashion-mnist --limit 6000 --layers 32 --epochs 100000 --threads 1 --quiet \
    --distributed > kill.out 2> kill.err &
job=$!
victim=""
for _ in $(seq 1 200); do
    for pid in $(ip netns pids "$two_hosts_b" 2> /dev/null); do
        [ "$(readlink "/proc/$pid/exe" 2> /dev/null)" = "$nn" ] && victim=$pid
    done
    [ -n "$victim" ] && break
    sleep 0.1
done
sleep 3
started=$(date +%s)
if [ -n "$victim" ]; then kill -KILL "$victim"; else fail "a killed rank: no rank of the job found on host b"; fi
status=0
wait "$job" || status=$?
elapsed=$(($(date +%s) - started))
# mpirun names the rank, the host and the signal.
if [ -n "$victim" ] && [ "$status" != 0 ] && [ "$status" != 124 ] && [ "$elapsed" -le 15 ] \
    && grep -q "rank 1 with PID $victim on node $two_hosts_address_b exited on signal 9" kill.err; then
    pass "the rank on host b killed mid-run ended the job in ${elapsed} s, exit $status: $(grep 'exited on signal' kill.err)"
else
    fail "a rank killed on host b (pid ${victim:-none}): exit $status after ${elapsed} s (124: still running at the timeout)"
fi

# 4. The data file exists on host a only.
mkdir data
{
    echo "x1,x2,y"
    for i in $(seq 1 40); do echo "0.$((i % 10)),0.$(((i * 7) % 10)),$((i % 2))"; done
} > data/table.csv
status=0
NN_TWO_HOSTS_HIDE=$work/data "${hosts[@]}" "$nn" train --data "$work/data/table.csv" --target y --epochs 5 --threads 1 \
    --quiet --distributed > missing.out 2> missing.err || status=$?
if [ "$status" != 0 ] && [ "$status" != 124 ] && grep -q 'table.csv' missing.err && grep -q 'rank 1 of 2 aborted the job' missing.err; then
    pass "a data file missing on host b aborted the job with its name, exit $status"
else
    fail "missing file on host b: exit $status: $(cat missing.err)"
fi

cd "$root"
if [ "$failures" -gt 0 ]; then
    echo "$failures two-host check(s) failed" >&2
    exit 1
fi
echo "all two-host checks passed"
