#!/bin/sh
# reuters_daily.sh: Reuters-21578 added to a store one day at a time, in date order, against one
# `ibid align` of the whole collection: time, and how many of align's passages the store has.
#   bench/reuters_daily.sh          (BUILD=dir; SHARED=../shared)
# The collection is research-use only: it is read from ../shared and nothing of it is committed;
# the day files and the store go to bench/out/reuters/.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
IBID=$PWD/$BUILD/ibid
out=bench/out/reuters
rm -rf $out
mkdir -p $out/days
python3 scripts/split_days.py "$SHARED/data/reuters21578/docs.jsonl" $out/days
/usr/bin/time -f "ibid add, one day at a time ($(ls $out/days | wc -l) days): %e s wall, %U s user, %S s system" \
    sh -c 'for f in "$1"/days/*.jsonl; do "$2" add -q -t 2 --db "$1"/reuters.db "$f" || exit 1; done' \
    sh $out "$IBID"
/usr/bin/time -f "ibid stories --save over the store: %e s wall, %U s user, %S s system" \
    "$IBID" stories -q --db $out/reuters.db --save --format jsonl -o $out/stories.jsonl
sqlite3 $out/reuters.db "SELECT 'saved: ' || n_stories || ' stories, ' || n_boilerplate ||
    ' boilerplate passages' FROM story_saves"
/usr/bin/time -f "ibid align of the whole collection: %e s wall, %U s user, %S s system" \
    "$IBID" align -q -t 2 --no-text -o $out/align.jsonl "$SHARED/data/reuters21578/docs.jsonl"
python3 bench/store_dump.py $out/reuters.db >$out/store.jsonl
python3 - $out/align.jsonl $out/store.jsonl <<'PY'
import json, sys
def load(p):
    return {(d["id1"], d["id2"], d["begin1"], d["end1"], d["begin2"], d["end2"])
            for d in map(json.loads, open(p))}
a, s = load(sys.argv[1]), load(sys.argv[2])
pairs_a = {k[:2] for k in a}
pairs_s = {k[:2] for k in s}
print("passages: align %d, store %d, identical %d (%.1f%% of align's)"
      % (len(a), len(s), len(a & s), 100.0 * len(a & s) / max(1, len(a))))
print("document pairs with passages: align %d, store %d, in both %d (%.1f%% of align's)"
      % (len(pairs_a), len(pairs_s), len(pairs_a & pairs_s),
         100.0 * len(pairs_a & pairs_s) / max(1, len(pairs_a))))
PY
