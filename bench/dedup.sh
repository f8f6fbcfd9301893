#!/bin/sh
# ibid dedup's benchmark (figures in bench/RESULTS.md, "ibid dedup").
#   bench/dedup.sh [SIZE] [SEED]      defaults: 2G 1; THREADS=2; OUT=bench/out/dedup
# 1. gen_dedup: SIZE of JSON Lines with planted exact and near copies, and their truth;
# 2. ibid dedup at thresholds 0.5, 0.7, 0.8, 0.9, timed, scored against the truth;
# 3. the 0.8 run again with --memory 128M: the clusters and kept output must be the same bytes;
# 4. the exact all-pairs reference (bench/dedup_allpairs.py) on an 8 MB corpus and on the first
#    6,000 Reuters stories;
# 5. Reuters-21578 at each threshold, and with --containment.
set -eu
size=${1:-2G}
seed=${2:-1}
threads=${THREADS:-2}
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD:-$here/../build}
ibid=$build/ibid
out=${OUT:-$here/out/dedup}
reuters=${REUTERS:-$here/../../shared/data/reuters21578/docs.jsonl}
mkdir -p "$out"
cd "$out"
corpus=corpus-$size-s$seed.jsonl
truth=truth-$size-s$seed.tsv
[ -f "$corpus" ] || "$build/bench/gen_dedup" --bytes "$size" --seed "$seed" --out "$corpus" --truth "$truth"
cat "$corpus" >/dev/null # from the page cache, as the runs below
for t in 0.5 0.7 0.8 0.9; do
    /usr/bin/time -v "$ibid" dedup -v -t "$threads" --threshold "$t" --clusters "clusters-$t.jsonl" \
        -o "kept-$t.jsonl" "$corpus" 2>"run-$t.log"
    grep -E "ibid dedup|Elapsed|Maximum resident|User time|System time" "run-$t.log"
    python3 "$here/dedup_eval.py" "$truth" "clusters-$t.jsonl" "$t"
done
/usr/bin/time -v "$ibid" dedup -v -t "$threads" --threshold 0.8 --memory 128M \
    --clusters clusters-128m.jsonl -o kept-128m.jsonl "$corpus" 2>run-128m.log
grep -E "ibid dedup|Elapsed|Maximum resident|User time|System time" run-128m.log
cmp clusters-0.8.jsonl clusters-128m.jsonl && cmp kept-0.8.jsonl kept-128m.jsonl &&
    echo "--memory 128M: the same clusters and kept output"
rm -f kept-*.jsonl
[ -f small.jsonl ] || "$build/bench/gen_dedup" --bytes 8M --seed 2 --out small.jsonl --truth small.tsv
head -6000 "$reuters" >reuters6k.jsonl
for t in 0.5 0.7 0.9; do
    for c in small reuters6k; do
        "$ibid" dedup -q -t "$threads" --threshold "$t" --clusters "$c-$t.jsonl" -o /dev/null "$c.jsonl"
        python3 "$here/dedup_allpairs.py" "$c.jsonl" "$c-$t.jsonl" "$t"
    done
done
for t in 0.5 0.7 0.8 0.9 1; do
    "$ibid" dedup -v -t "$threads" --threshold "$t" --clusters "reuters-$t.jsonl" -o /dev/null \
        "$reuters" 2>&1 | head -2
done
"$ibid" dedup -v -t "$threads" --containment --threshold 0.8 --clusters reuters-c0.8.jsonl \
    -o /dev/null "$reuters" 2>&1 | head -2
