#!/bin/sh
# serve_bench.sh: ibid serve under load on loopback (issue 5): POST /api/query with news-sized
# texts against the 100,000-document store of bench/store_bench.sh, driven by wrk.
#   bench/serve_bench.sh            (BUILD=dir; CONNS=4 connections;
#                                    SECS=30 seconds; MAX=100000 answers per wrk thread at most;
#                                    QUERIES=new or stored)
# The store is bench/out/base.db (documents 1-100,000 of bench/out/g110.jsonl, built here as
# bench/store_bench.sh builds it when missing); the queries are documents 110,001-110,200 (median
# 6 KB; a tenth reuse passages of stored ones), sent raw, in turn; with QUERIES=stored, 200
# stored documents (every 500th), each of which finds at least itself: every answer has sources. Prints queries/s, latency
# percentiles and the server's CPU time; bench/RESULTS.md has the figures.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
CONNS=${CONNS:-4}
SECS=${SECS:-30}
MAX=${MAX:-100000}
QUERIES=${QUERIES:-new}
IBID=$PWD/$BUILD/ibid
out=bench/out
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)"; exit 1; }
mkdir -p $out
cmake --build "$BUILD" -j2 --target ibid_cli gen_corpus >/dev/null
if [ ! -s $out/g110.jsonl ]; then
    "$BUILD/bench/gen_corpus" --bytes 840M --seed 5 -o $out/g110.jsonl --truth $out/g110.tsv
fi
[ -s $out/base100k.jsonl ] || head -n 100000 $out/g110.jsonl >$out/base100k.jsonl
if [ ! -s $out/base.db ]; then
    echo "== building the 100,000-document store"
    "$IBID" add -q -t 2 --batch 10000 --db $out/base.db $out/base100k.jsonl
fi
mkdir -p $out/queries $out/queries_stored
if [ ! -s $out/queries/q200.txt ]; then
    sed -n 110001,110200p $out/g110.jsonl | python3 -c '
import json, sys
for i, line in enumerate(sys.stdin, 1):
    open("'$out'/queries/q%03d.txt" % i, "w").write(json.loads(line)["text"])'
fi
if [ ! -s $out/queries_stored/q200.txt ]; then
    awk 'NR % 500 == 0' $out/base100k.jsonl | python3 -c '
import json, sys
for i, line in enumerate(sys.stdin, 1):
    open("'$out'/queries_stored/q%03d.txt" % i, "w").write(json.loads(line)["text"])'
fi
qdir=$out/queries
[ "$QUERIES" = stored ] && qdir=$out/queries_stored

"$IBID" serve --db $out/base.db --listen 127.0.0.1:0 >$out/serve.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
i=0
until grep -q listening $out/serve.log; do
    i=$((i + 1))
    [ $i -lt 100 ] || { cat $out/serve.log; exit 1; }
    sleep 0.1
done
url=$(sed -n 's/.*listening on \(http:[^ ]*\)\/ .*/\1/p' $out/serve.log)
echo "== warm-up: each query text once"
for f in $qdir/q*.txt; do
    curl -s -o /dev/null --data-binary @"$f" "$url/api/query"
done
t0=$(awk '{ print $14 + $15 }' /proc/$pid/stat)
echo "== wrk: queries $QUERIES, $CONNS connections, 2 threads, at most ${SECS}s and $((2 * MAX)) answers"
QUERY_DIR=$qdir MAX_PER_THREAD=$MAX wrk -t2 -c"$CONNS" -d"${SECS}s" --timeout 10s \
    -s bench/serve_query.lua "$url"
t1=$(awk '{ print $14 + $15 }' /proc/$pid/stat)
echo "server CPU (user + system) during the run: $(((t1 - t0) * 10)) ms"
grep -E "VmHWM" /proc/$pid/status
