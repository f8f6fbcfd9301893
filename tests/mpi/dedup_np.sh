#!/bin/sh
# dedup_np.sh: ibid dedup under mpirun -np 1, 2 and 3 keeps the documents and writes the
# clusters one process does, byte for byte.
#   dedup_np.sh IBID GEN_CORPUS GEN_DEDUP
# Corpus: 4 MB from bench/gen_dedup with 30% planted exact and near copies, and the license
# texts (a folder). Options: the defaults; --keep longest --threshold 0.5 with 2 threads and a
# small --memory; --containment. The one-process run must find clusters, so that the
# comparison cannot pass on empty files.
set -eu
# IBID_MPI_QUICK=1 (the ASan build): the first corpus only, on 3 ranks
IBID=$1
GEN_DEDUP=$3
MPIRUN="$(dirname "$0")/../../scripts/mpirun.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$GEN_DEDUP" --bytes 4M --seed 3 --dup 0.3 --out "$tmp/d.jsonl" --truth "$tmp/truth.tsv" \
    2>/dev/null
fail=0
check() { # name, then ibid dedup's arguments
    name=$1
    shift
    "$IBID" dedup -q -o "$tmp/k" --clusters "$tmp/c" "$@"
    n=$(grep -c . "$tmp/c" || true)
    if [ "$n" -lt 1 ]; then
        echo "dedup_np $name: the one-process run found no cluster: no test"
        fail=1
        return
    fi
    for np in ${nps:-1 2 3}; do
        if ! sh "$MPIRUN" $np "$IBID" dedup -q -o "$tmp/k$np" --clusters "$tmp/c$np" "$@" \
            2>"$tmp/err"; then
            echo "dedup_np $name: mpirun -np $np failed:"
            cat "$tmp/err"
            fail=1
        elif ! cmp -s "$tmp/k" "$tmp/k$np" || ! cmp -s "$tmp/c" "$tmp/c$np"; then
            echo "dedup_np $name: -np $np differs from one process:"
            diff "$tmp/c" "$tmp/c$np" | head -5
            cmp "$tmp/k" "$tmp/k$np" || true
            fail=1
        else
            echo "dedup_np $name: -np $np: $n clusters, $(wc -l <"$tmp/k") kept, identical"
        fi
    done
}
if [ -n "${IBID_MPI_QUICK:-}" ]; then # the ASan build: one corpus, 3 ranks
    nps=3
    check generated "$tmp/d.jsonl"
    exit $fail
fi
check generated "$tmp/d.jsonl"
check generated-longest --keep longest --threshold 0.5 --threads 2 --memory 64K "$tmp/d.jsonl"
check licenses-containment --containment --threshold 0.6 /usr/share/common-licenses
# -v under mpirun: the one-process counts, the job's time on N ranks and the ranks' table, not
# one process's step times or spill figures (the ranks keep their shingles in memory)
sh "$MPIRUN" 2 "$IBID" dedup -v -o "$tmp/kv" "$tmp/d.jsonl" 2>"$tmp/v.err"
"$IBID" dedup -v -o "$tmp/kv1" "$tmp/d.jsonl" 2>"$tmp/v1.err"
if [ "$(head -2 "$tmp/v.err" | cut -c1-60)" != "$(head -2 "$tmp/v1.err" | cut -c1-60)" ] ||
    ! grep -q "s on 2 ranks;" "$tmp/v.err" || ! grep -q "^ibid dedup: rank " "$tmp/v.err" ||
    grep -q "on disk\|spilled" "$tmp/v.err"; then
    echo "dedup_np -v: the report under mpirun is not as expected:"
    cat "$tmp/v.err"
    fail=1
else
    echo "dedup_np -v: counts as one process, the job's time on 2 ranks, the ranks' table"
fi
exit $fail
