#!/bin/sh
# align_np.sh: ibid align under mpirun -np 1, 2 and 3 writes the bytes one process writes.
#   align_np.sh IBID GEN_CORPUS
# Corpora: the license texts every Debian machine has (a folder), the seeds (when the shared
# data is there), and a generated corpus of 3 MB with planted reuse (bench/gen_corpus). Options:
# the default JSON Lines; TSV without texts; and --index-memory 1M with 2 threads, which makes
# the n-gram exchange take several rounds (checked with -v). Each one-process output must have
# passages, so that the comparison cannot pass on empty files.
set -eu
# IBID_MPI_QUICK=1 (the ASan build): the first corpus only, on 3 ranks
IBID=$1
GEN=$2
MPIRUN="$(dirname "$0")/../../scripts/mpirun.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$GEN" --bytes 3M --seed 5 -o "$tmp/gen.jsonl" --truth "$tmp/truth.tsv" 2>/dev/null
fail=0

check() { # name, then ibid align's arguments
    name=$1
    shift
    "$IBID" align -q "$@" >"$tmp/one" 2>"$tmp/one.err"
    lines=$(grep -c . "$tmp/one" || true)
    if [ "$lines" -lt 1 ]; then
        echo "align_np $name: the one-process run found nothing ($lines lines): no test"
        fail=1
        return
    fi
    for np in ${nps:-1 2 3}; do
        if ! sh "$MPIRUN" $np "$IBID" align -q -o "$tmp/mpi$np" "$@" 2>"$tmp/err$np"; then
            echo "align_np $name: mpirun -np $np failed:"
            cat "$tmp/err$np"
            fail=1
        elif ! cmp -s "$tmp/one" "$tmp/mpi$np"; then
            echo "align_np $name: -np $np differs from one process:"
            diff "$tmp/one" "$tmp/mpi$np" | head -10
            fail=1
        else
            echo "align_np $name: -np $np: $lines lines, identical"
        fi
    done
}

if [ -n "${IBID_MPI_QUICK:-}" ]; then # the ASan build: one corpus, 3 ranks
    nps=3
    check licenses /usr/share/common-licenses
    exit $fail
fi
check licenses /usr/share/common-licenses
check licenses-tsv --format tsv --no-text /usr/share/common-licenses
check generated "$tmp/gen.jsonl"
check generated-rounds --index-memory 1M --threads 2 "$tmp/gen.jsonl"
# that last one must really have taken several rounds
sh "$MPIRUN" 2 "$IBID" align -v -o "$tmp/v" --index-memory 1M "$tmp/gen.jsonl" 2>"$tmp/v.err"
rounds=$(sed -n 's/.* \([0-9]*\) exchange rounds.*/\1/p' "$tmp/v.err")
if [ "${rounds:-0}" -lt 2 ]; then
    echo "align_np: --index-memory 1M took ${rounds:-no} exchange rounds, not several"
    fail=1
fi
if [ -d "${IBID_SHARED:-}/seeds" ]; then
    check seeds --min-words 10 "$IBID_SHARED/seeds"
fi
exit $fail
