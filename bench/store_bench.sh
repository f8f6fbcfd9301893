#!/bin/sh
# store_bench.sh: the store's benchmark (issue 4): adding a batch of 10,000 documents to a store
# of 100,000 against aligning that batch alone, and the latency of ibid query on that store.
#   bench/store_bench.sh            (BUILD=dir for another build folder; THREADS=2)
# Generates bench/out/g110.jsonl with bench/gen_corpus (seed 5, 840M: 116,182 documents of
# median 6 KB with planted reuse), takes documents 1-100,000 as the store, 100,001-110,000 as
# the batch and 110,001-110,200 as query texts. Prints the figures; bench/RESULTS.md has them.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
THREADS=${THREADS:-2}
IBID=$PWD/$BUILD/ibid
out=bench/out
mkdir -p $out
cmake --build "$BUILD" -j2 --target ibid_cli gen_corpus >/dev/null
if [ ! -s $out/g110.jsonl ]; then
    "$BUILD/bench/gen_corpus" --bytes 840M --seed 5 -o $out/g110.jsonl --truth $out/g110.tsv
fi
[ -s $out/base100k.jsonl ] || head -n 100000 $out/g110.jsonl >$out/base100k.jsonl
[ -s $out/batch10k.jsonl ] || sed -n 100001,110000p $out/g110.jsonl >$out/batch10k.jsonl
mkdir -p $out/queries
if [ ! -s $out/queries/q200.txt ]; then
    sed -n 110001,110200p $out/g110.jsonl | python3 -c '
import json, sys
for i, line in enumerate(sys.stdin, 1):
    open("'$out'/queries/q%03d.txt" % i, "w").write(json.loads(line)["text"])'
fi

t() { /usr/bin/time -f "%e s wall, %M KB max RSS" "$@"; }

if [ ! -s $out/base.db ]; then
    echo "== building the 100,000-document store"
    t "$IBID" add -v -t "$THREADS" --batch 10000 --db $out/base.db $out/base100k.jsonl
fi

echo "== ibid align of the batch alone"
t "$IBID" align -q -t "$THREADS" --no-text -o /dev/null $out/batch10k.jsonl
echo "== ibid add of the batch to a copy of the store"
rm -f $out/work.db $out/work.db-wal $out/work.db-shm
cp $out/base.db $out/work.db
sync
t "$IBID" add -v -t "$THREADS" --batch 10000 --db $out/work.db $out/batch10k.jsonl

echo "== ibid query latency, 200 texts (process start to exit), on the 110,000-document store"
: >$out/query_ms.txt
for f in $out/queries/q*.txt; do
    /usr/bin/time -o $out/query.time -f "%e %U %S" \
        "$IBID" query -t 1 --no-text --db $out/work.db "$f" >$out/query.out
    echo "$(cat $out/query.time) $(wc -l <$out/query.out)" >>$out/query_ms.txt
done
# wall and CPU (user + system) milliseconds: median, p95, max; the machine is shared, so the
# CPU time is the figure that does not depend on what else runs
awk '{ print $1 * 1000, ($2 + $3) * 1000, $4 }' $out/query_ms.txt | sort -n | awk '
    { w[NR] = $1; hits += ($3 > 0) } END { printf "queries %d, with passages %d; wall median %.0f ms, p95 %.0f ms, max %.0f ms\n",
          NR, hits, w[int((NR + 1) / 2)], w[int(NR * 0.95)], w[NR] }'
awk '{ print ($2 + $3) * 1000 }' $out/query_ms.txt | sort -n | awk '
    { c[NR] = $1 } END { printf "CPU (user + system) median %.0f ms, p95 %.0f ms, max %.0f ms\n",
          c[int((NR + 1) / 2)], c[int(NR * 0.95)], c[NR] }'
