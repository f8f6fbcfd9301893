#!/bin/sh
# crash_add.sh: kill -9 `ibid add` at random moments, several times, and check that the store
# stays consistent and that running the same command again ends with the store an uninterrupted
# run makes.
#   crash_add.sh IBID GEN_CORPUS        (IBID_TEST_SEED=n replays a run; KILLS=n, default 6)
# Checks after every kill: PRAGMA integrity_check; every document has its text, and a text
# without a document is a batch's staged one (past the last document); every passage's
# documents are stored; every stored batch is whole (its documents, and the passages of its
# documents, as many as the batches table recorded when it committed); the stored documents are
# the input's first ones, a whole number of batches. Then one add is killed between a batch's
# two transactions (IBID_TEST_ADD_DIE_STAGED). At the end: nothing staged is left, and the
# documents, passages and batches equal the uninterrupted run's.
set -eu
IBID=$1
GEN=$2
here=$(cd "$(dirname "$0")" && pwd)
seed=${IBID_TEST_SEED:-$(date +%s)}
kills=${KILLS:-5}
echo "crash_add: IBID_TEST_SEED=$seed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$GEN" --bytes 2M --seed 11 -o "$tmp/in.jsonl" --truth "$tmp/truth.tsv" 2>/dev/null
batch=15
n_in=$(wc -l <"$tmp/in.jsonl")

dump() {
    sqlite3 "$1" "SELECT doc, id, length(text), n_bytes, date, meta, batch FROM docs JOIN texts
            USING (doc) ORDER BY doc;
        SELECT id1, id2, begin1, end1, begin2, end2, matches, score, kind FROM passage_ids
            ORDER BY id1, id2, begin1, begin2, end1, end2;
        SELECT batch, n_docs, n_passages FROM batches ORDER BY batch;"
    python3 "$here/index_dump.py" "$1"
}

check() {
    db=$1
    ok=$(sqlite3 "$db" "PRAGMA integrity_check")
    [ "$ok" = ok ] || { echo "crash_add: integrity_check: $ok" >&2; exit 1; }
    # killed before the schema was committed: an empty database, which the next add sets up
    if [ "$(sqlite3 "$db" "SELECT count(*) FROM sqlite_master")" = 0 ]; then
        echo 0
        return
    fi
    bad=$(sqlite3 "$db" "
        SELECT 'document ' || doc || ' has no text' FROM docs
            WHERE doc NOT IN (SELECT doc FROM texts);
        SELECT 'text ' || doc || ' has no document and is not staged' FROM texts
            WHERE doc NOT IN (SELECT doc FROM docs)
                AND doc <= (SELECT coalesce(max(doc), 0) FROM docs);
        SELECT 'passage ' || passage || ' names a missing document' FROM passages
            WHERE doc1 NOT IN (SELECT doc FROM docs) OR doc2 NOT IN (SELECT doc FROM docs);
        SELECT 'batch ' || b.batch || ' has ' || (SELECT count(*) FROM docs d WHERE d.batch = b.batch)
               || ' documents, recorded ' || b.n_docs FROM batches b
            WHERE b.n_docs != (SELECT count(*) FROM docs d WHERE d.batch = b.batch);
        SELECT 'batch ' || b.batch || ' has passages missing' FROM batches b
            WHERE b.n_passages != (SELECT count(*) FROM passages p JOIN docs d1 ON d1.doc = p.doc1
                JOIN docs d2 ON d2.doc = p.doc2 WHERE max(d1.batch, d2.batch) = b.batch);
        ")
    [ -z "$bad" ] || { echo "crash_add: $bad" >&2; exit 1; }
    # the index's structure, and an entry for every document long enough to have one
    python3 "$here/index_dump.py" --docs "$db" >"$tmp/indexed" || exit 1
    sort -o "$tmp/indexed" "$tmp/indexed"
    sqlite3 "$db" "SELECT doc FROM docs WHERE n_bytes > 200" | sort >"$tmp/long"
    missing=$(comm -13 "$tmp/indexed" "$tmp/long" | head -3)
    [ -z "$missing" ] || { echo "crash_add: documents without index entries: $missing" >&2; exit 1; }
    n=$(sqlite3 "$db" "SELECT count(*) FROM docs")
    if [ "$n" != "$n_in" ] && [ $((n % batch)) != 0 ]; then
        echo "crash_add: $n documents stored, not a whole number of batches of $batch" >&2
        exit 1
    fi
    # the stored documents are the first n of the input, in order
    sqlite3 "$db" "SELECT id FROM docs ORDER BY doc" >"$tmp/ids"
    head -n "$n" "$tmp/in.jsonl" | sed 's/^{"id": *"\([^"]*\)".*/\1/' >"$tmp/want_ids"
    cmp -s "$tmp/ids" "$tmp/want_ids" || { echo "crash_add: stored ids are not the input's first $n" >&2; exit 1; }
    echo "$n"
}

# the uninterrupted run, timed to spread the kills over it
t0=$(date +%s%N)
"$IBID" add -q -t 2 --batch $batch --db "$tmp/ref.db" "$tmp/in.jsonl"
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
[ "$ms" -ge 50 ] || ms=50
check "$tmp/ref.db" >/dev/null
dump "$tmp/ref.db" >"$tmp/ref.txt"
echo "crash_add: $n_in documents, uninterrupted add ${ms} ms"

# kill at random moments, each run resuming what the last left (starting over once it is done)
awk -v s="$seed" -v k="$kills" -v ms="$ms" \
    'BEGIN { srand(s); for (i = 0; i < k; i++) printf "%.3f\n", rand() * ms / 1000 }' >"$tmp/delays"
i=0
while [ $i -lt "$kills" ]; do
    delay=$(sed -n "$((i + 1))p" "$tmp/delays")
    "$IBID" add -q -t 2 --batch $batch --db "$tmp/crash.db" "$tmp/in.jsonl" &
    pid=$!
    sleep "$delay"
    kill -9 $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
    n=$(check "$tmp/crash.db")
    echo "crash_add: kill $((i + 1)) after ${delay}s: $n documents stored, consistent"
    if [ "$n" = "$n_in" ]; then
        # the add finished before the kill: start again from nothing so the next kill lands mid-job
        rm -f "$tmp/crash.db" "$tmp/crash.db-wal" "$tmp/crash.db-shm"
        echo "crash_add: (finished before the kill; starting over)"
    fi
    i=$((i + 1))
done

# killed between a batch's two transactions (its texts and index run committed and checkpointed,
# its documents not yet): what it staged is there, invisible, and the next add deletes it
[ "$(check "$tmp/crash.db")" != "$n_in" ] ||
    rm -f "$tmp/crash.db" "$tmp/crash.db-wal" "$tmp/crash.db-shm"
rc=0
IBID_TEST_ADD_DIE_STAGED=1 "$IBID" add -q -t 2 --batch $batch --db "$tmp/crash.db" \
    "$tmp/in.jsonl" 2>/dev/null || rc=$?
[ $rc = 137 ] || { echo "crash_add: the add was to die between its transactions, rc $rc" >&2; exit 1; }
n=$(check "$tmp/crash.db")
staged=$(sqlite3 "$tmp/crash.db" "SELECT count(*) FROM texts WHERE doc NOT IN (SELECT doc FROM docs)")
[ "$staged" -gt 0 ] || { echo "crash_add: no staged texts after dying between the transactions" >&2; exit 1; }
echo "crash_add: killed between a batch's transactions: $n documents stored, $staged texts staged, consistent"

"$IBID" add -q -t 2 --batch $batch --db "$tmp/crash.db" "$tmp/in.jsonl"
check "$tmp/crash.db" >/dev/null
python3 "$here/index_dump.py" --no-staged "$tmp/crash.db" >/dev/null || exit 1
left=$(sqlite3 "$tmp/crash.db" "SELECT count(*) FROM texts WHERE doc NOT IN (SELECT doc FROM docs)")
[ "$left" = 0 ] || { echo "crash_add: $left staged texts left after the add finished" >&2; exit 1; }
dump "$tmp/crash.db" >"$tmp/crash.txt"
if ! cmp -s "$tmp/ref.txt" "$tmp/crash.txt"; then
    echo "crash_add: the resumed store differs from the uninterrupted one:"
    diff "$tmp/ref.txt" "$tmp/crash.txt" | head -20
    exit 1
fi
echo "crash_add: resumed store equals the uninterrupted one ($(wc -l <"$tmp/ref.txt") rows)"
