#!/bin/sh
# die.sh: a rank that dies makes the job fail with a clear message and leaves no output.
#   die.sh IBID GEN_CORPUS
# IBID_TEST_MPI_DIE_RANK=r makes rank r call abort() in the n-gram exchange, while the others
# wait for it in MPI_Alltoall: rank 1 of 3, then rank 0 (the one writing the output) of 2;
# and for ibid dedup (after reading), rank 2 of 3. With IBID_TEST_MPI_DIE_SIGNAL=9 rank 0
# is killed outright instead (SIGKILL: no handler runs), for align and dedup.
# Checks: non-zero exit status; mpirun's message names the rank and the signal; no output file
# and no temporary file beside it (the output is an unnamed file until it is complete, so not
# even a SIGKILL leaves one). Then the same command without the variables succeeds, so the
# checks cannot pass on a command that fails anyway.
set -eu
IBID=$1
MPIRUN="$(dirname "$0")/../../scripts/mpirun.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/out"
fail=0
for case in "3 1 align 6" "2 0 align 6" "3 2 dedup 6" "2 0 align 9" "2 0 dedup 9"; do
    set -- $case
    np=$1
    die=$2
    cmd=$3
    sig=$4
    rc=0
    IBID_TEST_MPI_DIE_RANK=$die IBID_TEST_MPI_DIE_SIGNAL=$sig sh "$MPIRUN" "$np" "$IBID" $cmd \
        -o "$tmp/out/p.jsonl" /usr/share/common-licenses >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?
    if [ "$rc" -eq 0 ]; then
        echo "die: rank $die of $np died, yet the job exited 0"
        fail=1
    fi
    if ! grep -q "process rank $die .*exited on signal $sig" "$tmp/stderr"; then
        echo "die: no message naming rank $die and its signal:"
        cat "$tmp/stderr"
        fail=1
    fi
    if [ -n "$(ls "$tmp/out")" ]; then
        echo "die: rank $die of $np died, and the job left: $(ls "$tmp/out")"
        fail=1
    fi
    echo "die: $cmd, rank $die of $np: exit status $rc, $(grep "exited on signal" "$tmp/stderr")"
    sh "$MPIRUN" "$np" "$IBID" $cmd -q -o "$tmp/out/p.jsonl" /usr/share/common-licenses
    if [ ! -s "$tmp/out/p.jsonl" ]; then
        echo "die: without IBID_TEST_MPI_DIE_RANK the same job wrote nothing"
        fail=1
    fi
    rm -f "$tmp/out/p.jsonl"
done
exit $fail
