#!/bin/sh
# Quality and speed on the PAN 2013 text-alignment training corpus (../shared/data/pan13-train):
# ibid align on the 5,185 listed pairs, scored with ibid eval; then all pairs, timed.
#   bench/pan13.sh [BUILD_DIR]       (default: build)
set -eu
B=${1:-build}
P=${IBID_SHARED:-$(dirname "$0")/../../shared}/data/pan13-train
out=$(dirname "$0")/out
mkdir -p "$out"
echo "== listed pairs: ibid align --pairs pairs.tsv, then ibid eval"
/usr/bin/time -f "%e s wall, %U s user, %M KB peak RSS" \
    "$B/ibid" align -q --no-text --pairs "$P/pairs.tsv" -o "$out/pan13.jsonl" "$P/docs.jsonl"
"$B/ibid" eval --truth "$P/truth.tsv" --pairs "$P/pairs.tsv" "$out/pan13.jsonl"
echo "== all pairs of the 5,057 documents"
/usr/bin/time -f "%e s wall, %U s user, %M KB peak RSS" \
    "$B/ibid" align -q -v --no-text -o "$out/pan13-all.jsonl" "$P/docs.jsonl"
