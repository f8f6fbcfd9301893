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
    a=$(date +%s%N)
    "$IBID" query -t 1 --no-text --db $out/work.db "$f" >$out/query.out
    b=$(date +%s%N)
    echo "$(((b - a) / 1000)) $(wc -l <$out/query.out)" >>$out/query_ms.txt
done
sort -n $out/query_ms.txt | awk '{ us[NR] = $1; hits += ($2 > 0) }
    END { printf "queries %d, with passages %d; median %.1f ms, p95 %.1f ms, max %.1f ms\n",
          NR, hits, us[int((NR + 1) / 2)] / 1000, us[int(NR * 0.95)] / 1000, us[NR] / 1000 }'
