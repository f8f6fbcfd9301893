#!/bin/sh
# share_np.sh: under mpirun each rank reads its own share of the inputs (docs/mpi.md, "Read"),
# and ibid align and ibid dedup still write what one process writes: the same output, the same
# messages (file and global line number), the same exit status, on -np 1, 2 and 3.
#   share_np.sh IBID GEN_CORPUS
# Inputs: lines cut by the byte ranges (with CRLF, blank lines and a byte order mark), fewer
# lines than ranks, a line so long that a rank's whole range lies inside it (an empty share), a
# bad line and a duplicate id in the last rank's share, a folder of plain, gzip and zstd JSON
# Lines and text files, compressed files alone. The -v table must show that the ranks did split
# the documents (every rank some, none all) and that the empty share is empty. dedup with an
# output that cannot be created fails as one process does.
set -eu
IBID=$1
GEN=$2
MPIRUN="$(dirname "$0")/../../scripts/mpirun.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
# IBID_MPI_QUICK=1 (the ASan build): every case on 3 ranks only
[ -n "${IBID_MPI_QUICK:-}" ] && nps=3

# 84 documents of about 7 KB, with planted reuse
"$GEN" --bytes 600K --seed 11 -o "$tmp/gen.jsonl" 2>/dev/null
n=$(wc -l <"$tmp/gen.jsonl")
size=$(wc -c <"$tmp/gen.jsonl")
# the first line starting in the last third of the file: rank 2's share under -np 3
late=$(awk -v cut=$((size * 2 / 3 + 1)) '{ if (off >= cut) { print NR; exit } off += length($0) + 1 }' \
    "$tmp/gen.jsonl")
first_id=$(sed -n '2s/^{"id": "\([^"]*\)".*/\1/p' "$tmp/gen.jsonl")

# CRLF line endings, blank lines, a byte order mark on the first line
{
    printf '\357\273\277'
    awk '{ printf "%s\r\n", $0; if (NR % 7 == 0) printf "\r\n" }' "$tmp/gen.jsonl"
} >"$tmp/crlf.jsonl"
# a byte order mark in the middle of a file is an error, wherever the file is cut
awk -v at="$late" 'NR == at { printf "\357\273\277" } { print }' "$tmp/gen.jsonl" >"$tmp/bom-mid.jsonl"
# two lines for three ranks
head -n 1 "$tmp/gen.jsonl" >"$tmp/few.jsonl"
head -n 1 "$tmp/gen.jsonl" | sed 's/^{"id": "[^"]*"/{"id": "copy"/' >>"$tmp/few.jsonl"
# a line of about 1 MB between two small ones: under -np 3 rank 1's range lies inside it
{
    head -n 1 "$tmp/gen.jsonl"
    text=$(sed -n '2s/.*"text": "\(.*\)"}$/\1/p' "$tmp/gen.jsonl")
    printf '{"id": "huge", "text": "'
    i=0
    while [ $i -lt 140 ]; do
        printf '%s ' "$text"
        i=$((i + 1))
    done
    printf '"}\n'
    head -n 1 "$tmp/gen.jsonl" | sed 's/^{"id": "[^"]*"/{"id": "last"/'
} >"$tmp/huge.jsonl"
# a bad line, and a duplicate of line 2's id, in rank 2's share
sed "${late}s/.*/{\"id\": \"bad\", \"text\": oops}/" "$tmp/gen.jsonl" >"$tmp/bad.jsonl"
sed "${late}s/^{\"id\": \"[^\"]*\"/{\"id\": \"$first_id\"/" "$tmp/gen.jsonl" >"$tmp/dup.jsonl"
# bad lines in every share, for --skip-bad's list
awk -v n="$n" 'NR % 20 == 3 { print "{\"id\": 1, \"text\": 2}"; next } { print }' \
    "$tmp/gen.jsonl" >"$tmp/many-bad.jsonl"
# a folder: plain, gzip and zstd JSON Lines and text files, in the walk's order
mkdir -p "$tmp/dir/sub"
head -n 30 "$tmp/gen.jsonl" >"$tmp/dir/a.jsonl"
sed -n '31,50p' "$tmp/gen.jsonl" | gzip -c >"$tmp/dir/b.jsonl.gz"
sed -n '51,70p' "$tmp/gen.jsonl" | zstd -q -c >"$tmp/dir/c.jsonl.zst"
sed -n '71,$p' "$tmp/gen.jsonl" >"$tmp/dir/d.jsonl"
cp /usr/share/common-licenses/GPL-3 "$tmp/dir/sub/gpl3.txt"
cp /usr/share/common-licenses/LGPL-3 "$tmp/dir/sub/lgpl3.txt"
sed -n '1,10p' "$tmp/gen.jsonl" | sed 's/^{"id": "/{"id": "again-/' >"$tmp/dir/sub/e.jsonl"
gzip -c "$tmp/gen.jsonl" >"$tmp/gen.jsonl.gz"
# dated copies, later lines older (dedup --keep oldest reads the date from the metadata)
awk '{ sub(/^\{"id": "/, sprintf("{\"date\": \"%d-01-01\", \"id\": \"dated-", 2100 - NR)); print }' \
    "$tmp/gen.jsonl" >"$tmp/dated.jsonl"
zstd -q -c "$tmp/gen.jsonl" >"$tmp/gen.jsonl.zst"

# pair lists (--pairs): every third pair of documents that share passages, some reversed, one
# with itself, one twice; with a header (columns named id1 and id2, others ignored); with
# unknown ids (line 7: the second id, line 9: the first), and a list that does not exist
"$IBID" align --no-text -o "$tmp/all.jsonl" "$tmp/gen.jsonl"
sed -n 's/^{"id1":"\([^"]*\)","id2":"\([^"]*\)".*/\1\t\2/p' "$tmp/all.jsonl" | sort -u |
    awk -F'\t' 'NR % 3 == 1 { if (NR % 2) print $1 "\t" $2; else print $2 "\t" $1 } NR == 4 { print $1 "\t" $1; print $2 "\t" $1 }' \
    >"$tmp/pairs.tsv"
if [ "$(wc -l <"$tmp/pairs.tsv")" -lt 10 ]; then
    echo "share_np: the pair list has $(wc -l <"$tmp/pairs.tsv") lines: no test"
    fail=1
fi
{
    printf 'note\tid2\tid1\r\n'
    awk -F'\t' '{ printf "x\t%s\t%s\r\n", $2, $1 }' "$tmp/pairs.tsv"
} >"$tmp/pairs-h.tsv"
awk -F'\t' 'NR == 7 { print $1 "\tno-such-id"; next } NR == 9 { print "nor-this\t" $2; next } { print }' \
    "$tmp/pairs.tsv" >"$tmp/pairs-bad.tsv"

# name, align or dedup, then the arguments: one process, then -np 1, 2 and 3
same() {
    name=$1
    cmd=$2
    shift 2
    cl=
    [ "$cmd" = dedup ] && cl="--clusters $tmp/cl"
    rm -f "$tmp/out" "$tmp/cl"
    rc=0
    # shellcheck disable=SC2086
    "$IBID" $cmd -o "$tmp/out" $cl "$@" 2>"$tmp/one.err" || rc=$?
    echo "$rc" >"$tmp/one.rc"
    { cat "$tmp/out" "$tmp/cl" 2>/dev/null || true; } >"$tmp/one.out"
    if [ "$rc" = 0 ] && [ ! -s "$tmp/out" ]; then
        echo "share_np $name: the one-process run wrote nothing: no test"
        fail=1
        return
    fi
    for np in ${nps:-1 2 3}; do
        rm -f "$tmp/out" "$tmp/cl"
        rc=0
        # shellcheck disable=SC2086
        sh "$MPIRUN" "$np" "$IBID" $cmd -o "$tmp/out" $cl "$@" 2>"$tmp/raw.err" || rc=$?
        echo "$rc" >"$tmp/mpi.rc"
        awk '/^-----------------+$/ { box = !box; next } !box && !/^mpirun: Forwarding signal/' \
            "$tmp/raw.err" >"$tmp/mpi.err"
        { cat "$tmp/out" "$tmp/cl" 2>/dev/null || true; } >"$tmp/mpi.out"
        ok=1
        for f in out err rc; do
            if ! cmp -s "$tmp/one.$f" "$tmp/mpi.$f"; then
                echo "share_np $name -np $np: $f differs from one process:"
                diff "$tmp/one.$f" "$tmp/mpi.$f" | head -10
                ok=0
                fail=1
            fi
        done
        [ $ok = 1 ] && echo "share_np $name -np $np: as one process (rc $rc, $(wc -l <"$tmp/mpi.out") lines, $(wc -l <"$tmp/mpi.err") of messages)"
    done
}

# documents per rank from -v's table: "ibid align:    1    13 ..." -> "13"
docs_per_rank() { # np, then align's arguments
    np=$1
    shift
    sh "$MPIRUN" "$np" "$IBID" align -v -o "$tmp/v.out" "$@" 2>&1 |
        awk '$1 == "ibid" && $3 ~ /^[0-9]+$/ && $4 ~ /^[0-9]+$/ { printf "%s ", $4 }'
}

same lines align "$tmp/gen.jsonl"
same lines-tsv align --format tsv --no-text "$tmp/gen.jsonl"
same lines-text align --format text "$tmp/gen.jsonl" "$tmp/dir"
same lines-text-no-text align --format text --no-text "$tmp/few.jsonl" "$tmp/gen.jsonl"
same text-nothing align --format text "$tmp/few.jsonl"
same pairs align --pairs "$tmp/pairs.tsv" "$tmp/gen.jsonl"
same pairs-header align --format text --pairs "$tmp/pairs-h.tsv" "$tmp/gen.jsonl"
same pairs-unknown align --pairs "$tmp/pairs-bad.tsv" "$tmp/gen.jsonl"
same pairs-unknown-skip align --skip-bad --pairs "$tmp/pairs-bad.tsv" "$tmp/gen.jsonl"
same pairs-missing align --pairs "$tmp/no-such-pairs.tsv" "$tmp/gen.jsonl"
same crlf-blank-bom align "$tmp/crlf.jsonl"
same bom-mid align "$tmp/bom-mid.jsonl"
same few align "$tmp/few.jsonl"
same huge-line align "$tmp/huge.jsonl"
same bad-line align "$tmp/bad.jsonl"
same dup-id align "$tmp/dup.jsonl"
same dup-id-skip align --skip-bad "$tmp/dup.jsonl"
same many-bad-skip align --skip-bad "$tmp/many-bad.jsonl" "$tmp/dup.jsonl"
same folder align "$tmp/dir"
same files align "$tmp/few.jsonl" "$tmp/dir/sub" "$tmp/dir/b.jsonl.gz" "$tmp/dated.jsonl"
same gz align "$tmp/gen.jsonl.gz"
same zst align "$tmp/gen.jsonl.zst"
same missing-after align "$tmp/bad.jsonl" "$tmp/nothing-here.jsonl"
same missing-before align "$tmp/gen.jsonl" "$tmp/nothing-here.jsonl"
same dedup-lines dedup "$tmp/gen.jsonl" "$tmp/gen.jsonl"
same dedup-crlf dedup "$tmp/crlf.jsonl"
same dedup-few dedup "$tmp/few.jsonl"
same dedup-huge dedup "$tmp/huge.jsonl"
same dedup-bad-line dedup "$tmp/bad.jsonl"
same dedup-many-bad-skip dedup --skip-bad "$tmp/many-bad.jsonl" "$tmp/bad.jsonl"
same dedup-folder dedup "$tmp/dir" "$tmp/gen.jsonl.zst"
same dedup-oldest dedup --keep oldest "$tmp/gen.jsonl" "$tmp/dated.jsonl"

# dedup's output cannot be created: rank 0 opens it before the run (its ranks write their kept
# documents into it); the message and exit status are still those of one process, and no
# temporary file is left
mkdir "$tmp/ro"
for np in 1 3; do
    rc1=0
    "$IBID" dedup -o "$tmp/ro/no/out" "$tmp/gen.jsonl" 2>"$tmp/one.err" || rc1=$?
    rc=0
    sh "$MPIRUN" "$np" "$IBID" dedup -o "$tmp/ro/no/out" "$tmp/gen.jsonl" 2>"$tmp/raw.err" || rc=$?
    awk '/^-----------------+$/ { box = !box; next } !box' "$tmp/raw.err" >"$tmp/mpi.err"
    if [ "$rc1" = 0 ] || [ "$rc" = 0 ] || ! cmp -s "$tmp/one.err" "$tmp/mpi.err" || [ -n "$(ls "$tmp/ro")" ]; then
        echo "share_np dedup-no-output -np $np: rc $rc (one process $rc1), messages:"
        diff "$tmp/one.err" "$tmp/mpi.err" | head -5
        fail=1
    else
        echo "share_np dedup-no-output -np $np: as one process (rc $rc): $(cat "$tmp/mpi.err")"
    fi
done

# the ranks split the documents: each some, none all
for np in 2 3; do
    d=$(docs_per_rank $np "$tmp/gen.jsonl")
    if ! echo "$d" | awk -v n="$n" -v np=$np '{ s = 0; for (i = 1; i <= NF; i++) { if ($i < 1 || $i >= n) exit 1; s += $i } if (NF != np || s != n) exit 1 }'; then
        echo "share_np: -np $np: documents per rank '$d' of $n: not a split"
        fail=1
    else
        echo "share_np: -np $np: documents per rank: $d(of $n)"
    fi
done
d=$(docs_per_rank 3 "$tmp/huge.jsonl")
if [ "$d" != "2 0 1 " ]; then
    echo "share_np: huge line on 3 ranks: documents per rank '$d', not '2 0 1'"
    fail=1
else
    echo "share_np: huge line on 3 ranks: documents per rank $d(rank 1's range lies inside the line)"
fi
exit $fail
