#!/usr/bin/env bash
# The distributed checks that need MPI processes (CI runs them after `make test`; the same arithmetic
# is tested with ranks as threads in the default suite, Tests/DataParallelTests).
#
#   scripts/mpi-tests.sh [NN]     NN: an nn built with the MPI trait (default: build one in .build-mpi)
#
# 1. 2 and 3 ranks at a global batch of 128 give 1 rank's final loss and test loss (double, 101 steps
#    of Fashion-MNIST, SGD, momentum and Adam) to 1e-10 relative, and only rank 0 prints a summary.
# 2. A checkpoint written by 3 ranks resumes on 2 and ends as 1 rank's uninterrupted run.
# 3. A nan on one rank (an overflowing input in its data file only) stops every rank with one message.
# 4. A rank that fails alone (its data file is missing) ends the job with its message and exit 1; with
#    its standard error closed, it still aborts the job (no trap on the lost message).
# 5. A rank killed mid-run ends the job with a non-zero exit within seconds.
# 6. More ranks than usable cores: nn makes the ranks yield while they wait and says so in one line;
#    a value given to mpirun (--mca mpi_yield_when_idle 0) is kept, without the line.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# As root mpirun needs these; containers whose seccomp blocks cross-memory attach need the last.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
mpirun=(mpirun --oversubscribe)

if [ $# -ge 1 ]; then
    nn=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
else
    swift build -c release --traits MPI --scratch-path .build-mpi --product nn
    nn=$(swift build -c release --traits MPI --scratch-path .build-mpi --show-bin-path)/nn
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

# The value after "NAME: " in a summary.
value() { sed -n "s/^$1: \([^ ]*\).*/\1/p" "$2"; }
# Whether two numbers agree to a relative 1e-10.
close() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; s = (a < 0 ? -a : a); exit !(a != "" && d <= 1e-10 * (s > 1 ? s : 1)) }'; }

common=(train --dataset fashion-mnist --limit 12850 --layers 32 --epochs 1 --batch-size 128 --precision double
    --seed 3 --threads 1 --quiet)

# 1. Equivalence with one rank.
for optimizer in sgd momentum adam; do
    "$nn" "${common[@]}" --optimizer "$optimizer" --learning-rate 0.01 > alone.txt
    for ranks in 2 3; do
        "${mpirun[@]}" -np "$ranks" "$nn" "${common[@]}" --optimizer "$optimizer" --learning-rate 0.01 --distributed > ranks.txt
        summaries=$(grep -c '^Trained' ranks.txt || true)
        [ "$summaries" = 1 ] || fail "$optimizer, $ranks ranks: $summaries summaries printed (rank 0 alone prints)"
        # The summary's step parts: one line per rank, in rank order, after the allreduce line.
        parts=$(grep -A "$ranks" '^allreduce: ' ranks.txt | tail -n "$ranks" | sed -n 's/^rank \([0-9]*\) step: computing [0-9.]* ms, MPI calls during the backward pass [0-9.]* ms, waiting for the sums [0-9.]* ms, update [0-9.]* ms; the sums started during the backward pass were complete at its end in [0-9]*% of the steps$/\1/p' | tr -d '\n')
        [ "$parts" = "$(seq -s '' 0 $((ranks - 1)))" ] || fail "$optimizer, $ranks ranks: step parts of ranks '$parts': $(grep -A "$ranks" '^allreduce: ' ranks.txt)"
        for name in "final loss" "test loss"; do
            a=$(value "$name" alone.txt); b=$(value "$name" ranks.txt)
            if close "$a" "$b"; then pass "$optimizer, $ranks ranks: $name $b (1 rank: $a)"
            else fail "$optimizer, $ranks ranks: $name $b, 1 rank $a"; fi
        done
    done
done

# 2. Resume with another number of ranks: 3 ranks for epoch 1 (checkpoint), 2 ranks for epoch 2,
#    against 1 rank for both epochs.
resume=(train --dataset fashion-mnist --limit 3000 --layers 32 --batch-size 128 --precision double --seed 3
    --threads 1 --quiet --optimizer momentum --learning-rate 0.01 --schedule constant)
"$nn" "${resume[@]}" --epochs 2 > alone.txt
"${mpirun[@]}" -np 3 "$nn" "${resume[@]}" --epochs 1 --checkpoint-every 1 --checkpoint run.checkpoint.json --distributed > /dev/null
"${mpirun[@]}" -np 2 "$nn" "${resume[@]}" --epochs 2 --checkpoint-every 1 --checkpoint run.checkpoint.json \
    --resume run.checkpoint.json --distributed > ranks.txt
a=$(value "test loss" alone.txt); b=$(value "test loss" ranks.txt)
if close "$a" "$b"; then pass "3 ranks, checkpoint, 2 ranks: test loss $b (1 rank: $a)"
else fail "resumed on 2 ranks: test loss $b, 1 rank $a"; fi

# 3. A nan on one rank: rank 1's file overflows in float in its share of the (full) batch.
{
    echo "x1,x2,y"
    for i in $(seq 1 40); do echo "0.$((i % 10)),0.$(((i * 7) % 10)),$((i % 2))"; done
} > good.csv
sed '$ s/^[^,]*,/3e38,/' good.csv > bad.csv
set +e
# Unscaled inputs and one full batch (a table's defaults would standardize each rank's file and take
# batches of 32), so that the overflow reaches the first step.
"${mpirun[@]}" -np 1 "$nn" train --data good.csv --target y --loss mse --epochs 5 --threads 1 --quiet --distributed \
    --scale none --batch-size 0 \
    : -np 1 "$nn" train --data bad.csv --target y --loss mse --epochs 5 --threads 1 --quiet --distributed \
    --scale none --batch-size 0 > nan.out 2> nan.err
status=$?
set -e
messages=$(grep -c '^error:' nan.err || true)
if [ "$status" != 0 ] && [ "$messages" = 1 ] && grep -q 'nan or infinite at epoch 1, batch 1' nan.err; then
    pass "a nan on rank 1 stopped both ranks at epoch 1, batch 1, one message, exit $status"
else
    fail "nan on one rank: exit $status, $messages messages: $(cat nan.err)"
fi

# 4. A rank that fails alone aborts the job with its message.
set +e
"${mpirun[@]}" -np 1 "$nn" train --data good.csv --target y --epochs 5 --threads 1 --quiet --distributed \
    : -np 1 "$nn" train --data missing.csv --target y --epochs 5 --threads 1 --quiet --distributed > abort.out 2> abort.err
status=$?
set -e
if [ "$status" != 0 ] && grep -q 'missing.csv' abort.err && grep -q 'aborted the job' abort.err; then
    pass "a rank failing alone aborted the job with its message, exit $status"
else
    fail "failing rank: exit $status: $(cat abort.err)"
fi
# The same with the failing rank's standard error closed: its message is lost, but the rank aborts
# the job as before instead of trapping on the failed write (Foundation's FileHandle.write did).
set +e
"${mpirun[@]}" -np 1 "$nn" train --data good.csv --target y --epochs 5 --threads 1 --quiet --distributed \
    : -np 1 sh -c 'exec "$0" "$@" 2>&-' "$nn" train --data missing.csv --target y --epochs 5 --threads 1 --quiet \
    --distributed > closed.out 2> closed.err
status=$?
set -e
# The rank's MPI_Abort gives the job its code, 1; a trap would end it with the signal (132, "exited on
# signal 4"). Open MPI's "MPI_ABORT was invoked" notice goes out through the aborting rank's own closed
# standard error at times, so it is not looked for.
if [ "$status" = 1 ] && ! grep -q 'signal' closed.err; then
    pass "a rank failing alone with its standard error closed aborted the job, exit $status"
else
    fail "failing rank, standard error closed: exit $status: $(cat closed.err)"
fi

# 5. A rank killed mid-run: the job ends, non-zero, within seconds.
"${mpirun[@]}" -np 2 "$nn" train --dataset fashion-mnist --limit 6000 --layers 32 --epochs 1000 --threads 1 --quiet \
    --distributed > kill.out 2> kill.err &
job=$!
victim=""
for _ in $(seq 1 100); do
    # mpirun starts the ranks on this machine as its own children.
    victim=$(pgrep -P "$job" | tail -1 || true)
    [ -n "$victim" ] && break
    sleep 0.1
done
sleep 3
started=$(date +%s)
if [ -n "$victim" ]; then kill -KILL "$victim"; else fail "a killed rank: no rank process of mpirun $job found"; fi
status=0
for _ in $(seq 1 300); do
    kill -0 "$job" 2> /dev/null || break
    sleep 0.1
done
if kill -0 "$job" 2> /dev/null; then
    kill -TERM "$job"
    fail "a killed rank: the job still ran 30 s later"
else
    wait "$job" || status=$?
    elapsed=$(($(date +%s) - started))
    if [ -n "$victim" ] && [ "$status" != 0 ] && [ "$elapsed" -le 10 ]; then
        pass "a rank killed mid-run ended the job in ${elapsed} s, exit $status"
    else
        fail "a killed rank (pid ${victim:-none}): exit $status after ${elapsed} s"
    fi
fi

# 6. Oversubscription.
cores=$(nproc)
ranks=$((cores + 1))
xor=(train --dataset xor --layers 4 --activation tanh --epochs 50 --learning-rate 0.5 --threads 1 --quiet --distributed)
status=0
"${mpirun[@]}" -np "$ranks" "$nn" "${xor[@]}" > yield.out 2> yield.err || status=$?
said=$(grep -c "^nn: $ranks ranks of this job on this machine's $cores usable cores: ranks give up their core while they wait" yield.err || true)
if [ "$status" = 0 ] && [ "$said" = 1 ] && grep -q '^final loss' yield.out; then
    pass "$ranks ranks on $cores cores: yielding, said once: $(grep '^nn: ' yield.err)"
else
    fail "$ranks ranks on $cores cores: exit $status, the line said $said times: $(cat yield.err)"
fi
status=0
"${mpirun[@]}" --mca mpi_yield_when_idle 0 -np "$ranks" "$nn" "${xor[@]}" > kept.out 2> kept.err || status=$?
if [ "$status" = 0 ] && ! grep -q 'give up their core' kept.err && grep -q '^final loss' kept.out; then
    pass "$ranks ranks on $cores cores with --mca mpi_yield_when_idle 0: kept, nothing said"
else
    fail "--mca mpi_yield_when_idle 0: exit $status: $(cat kept.err)"
fi

cd "$root"
if [ "$failures" -gt 0 ]; then
    echo "$failures distributed check(s) failed" >&2
    exit 1
fi
echo "all distributed checks passed"
