#!/bin/sh
# readers_add.sh: queries answer while `ibid add` writes to the same store (WAL), and their
# answers are right for the committed state they see.
#   readers_add.sh IBID GEN_CORPUS
# A store holds the first half of a generated corpus with planted reuse. While the second half is
# added in small batches, queries run in a loop on the text of one stored document Q that later
# documents copy from. Every query must succeed, find Q itself (its whole text), and find at
# least as many documents as the query before it (batches only add). After the add, a last query
# must find every document that the uninterrupted store has a passage from Q with.
set -eu
IBID=$1
GEN=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$GEN" --bytes 4M --seed 12 --reuse-rate 0.6 -o "$tmp/in.jsonl" --truth "$tmp/truth.tsv" 2>/dev/null
n=$(wc -l <"$tmp/in.jsonl")
half=$((n / 2))
head -n $half "$tmp/in.jsonl" >"$tmp/a.jsonl"
tail -n +$((half + 1)) "$tmp/in.jsonl" >"$tmp/b.jsonl"
"$IBID" add -q --db "$tmp/s.db" "$tmp/a.jsonl"

# Q: the stored document that the most documents of the second half copy from (truth: id1 is the
# source)
q=$(awk -F '\t' -v half=$half 'NR > 1 { s = $1; c = $4; sub(/^d0*/, "", s); sub(/^d0*/, "", c);
        if (s + 0 < half && c + 0 >= half) k[$1]++ }
    END { for (d in k) if (k[d] > best) { best = k[d]; id = d }; print id }' "$tmp/truth.tsv")
[ -n "$q" ] || { echo "readers_add: no stored document is copied later"; exit 1; }
sqlite3 "$tmp/s.db" "SELECT text FROM docs JOIN texts USING (doc) WHERE id = '$q'" >"$tmp/q.txt"
# a self match spans the text up to the end of its last word (what follows it is no token)
last_cp=$(sqlite3 "$tmp/s.db" "SELECT length(rtrim(text, ' .,;:!?' || char(10)))
    FROM docs JOIN texts USING (doc) WHERE id = '$q'")
echo "readers_add: $n documents, $half stored; querying $q (copied later $(grep -c "^$q	" "$tmp/truth.tsv") times)"

"$IBID" add -q --batch 5 --db "$tmp/s.db" "$tmp/b.jsonl" &
pid=$!
last=0
k=0
during=0
while :; do
    running=0
    kill -0 $pid 2>/dev/null && running=1
    "$IBID" query --no-text --id query --db "$tmp/s.db" "$tmp/q.txt" >"$tmp/out" 2>"$tmp/err" ||
        { echo "readers_add: query $k failed:"; cat "$tmp/err"; kill $pid; exit 1; }
    grep -q "\"id2\":\"$q\",\"begin1\":0,\"end1\":$last_cp,\"begin2\":0,\"end2\":$last_cp," "$tmp/out" ||
        { echo "readers_add: query $k does not find $q itself"; cat "$tmp/out"; kill $pid; exit 1; }
    docs=$(sed 's/.*"id2":"\([^"]*\)".*/\1/' "$tmp/out" | sort -u | wc -l)
    [ "$docs" -ge "$last" ] ||
        { echo "readers_add: query $k finds $docs documents, fewer than before ($last)"; kill $pid; exit 1; }
    last=$docs
    k=$((k + 1))
    [ $running = 1 ] || break
    during=$((during + 1))
done
wait $pid
echo "readers_add: $during queries answered during the add, the last $last documents"
[ $during -ge 3 ] || { echo "readers_add: the add ended before 3 queries ran"; exit 1; }

# the last query finds every document stored with a passage from Q
sqlite3 "$tmp/s.db" "SELECT id2 FROM passage_ids WHERE id1 = '$q' UNION
    SELECT id1 FROM passage_ids WHERE id2 = '$q'" | sort >"$tmp/want"
sed 's/.*"id2":"\([^"]*\)".*/\1/' "$tmp/out" | sort -u | grep -v "^$q\$" >"$tmp/got" || true
if ! cmp -s "$tmp/want" "$tmp/got"; then
    echo "readers_add: the last query's documents differ from the store's passages with $q:"
    diff "$tmp/want" "$tmp/got"
    exit 1
fi
echo "readers_add: the last query finds all $(wc -l <"$tmp/want") documents stored with passages from $q"
