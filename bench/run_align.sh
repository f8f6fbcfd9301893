#!/bin/bash
# run_align.sh: the speed, memory and recall benchmark of `ibid align` (bench/README.md).
#
#   bench/run_align.sh [SIZE [SEED]]      SIZE: 1G by default (K, M, G suffixes), SEED: 1
#
# Builds ibid and gen_corpus (Release, in build/), generates a corpus of SIZE with planted reuse
# into bench/out/ (kept, and reused while gen_corpus is older than it: same seed, same bytes),
# runs `ibid align` on it under /usr/bin/time -v and scores the output with recall.py. Prints
# MB/s end to end, peak RSS, RSS / input and recall, each against the target of the issue
# (>= 20 MB/s, <= 3x, >= 0.95), and exits 1 when one is missed.
#
# Environment: THREADS (default 2), IBID_ARGS (more options for ibid align), BUILD (default build).
set -euo pipefail

cd "$(dirname "$0")/.."
size=${1:-1G}
seed=${2:-1}
threads=${THREADS:-2}
build=${BUILD:-build}
out=bench/out
corpus=$out/corpus-$size-s$seed.jsonl
truth=$out/truth-$size-s$seed.tsv
result=$out/align-$size-s$seed.jsonl
timelog=$out/align-$size-s$seed.time

mkdir -p "$out"
if ! { cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release &&
    cmake --build "$build" -j "$threads" --target ibid_cli gen_corpus; } >"$out/build.log" 2>&1; then
    tail -n 30 "$out/build.log" >&2
    echo "build failed (log: $out/build.log)" >&2
    exit 1
fi


if [ ! -s "$corpus" ] || [ ! -s "$truth" ] || [ "$build/bench/gen_corpus" -nt "$corpus" ]; then
    echo "generating $corpus"
    "$build/bench/gen_corpus" --bytes "$size" --seed "$seed" -o "$corpus" --truth "$truth"
fi
bytes=$(stat -c %s "$corpus")

echo "running: $build/ibid align --threads $threads --no-text ${IBID_ARGS:-} -o $result $corpus"
# shellcheck disable=SC2086 # IBID_ARGS is a list of options
if ! /usr/bin/time -v -o "$timelog" "$build/ibid" align --threads "$threads" --no-text \
    ${IBID_ARGS:-} -o "$result" "$corpus"; then
    echo "ibid align failed (resource use in $timelog)" >&2
    exit 1
fi

# /usr/bin/time -v: "Elapsed (wall clock) time (h:mm:ss or m:ss): 1:02.34"
secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {
    n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$timelog")
rss_kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$timelog")

python3 bench/recall.py "$truth" "$result" | tee "$out/recall-$size-s$seed.txt"
recall=$(awk '/^recall:/ { print $2 }' "$out/recall-$size-s$seed.txt")

awk -v bytes="$bytes" -v secs="$secs" -v rss_kb="$rss_kb" -v recall="$recall" \
    -v threads="$threads" 'BEGIN {
    mbs = secs > 0 ? bytes / 1e6 / secs : 0
    ratio = rss_kb * 1024 / bytes
    printf "input     %.1f MB, %d threads, %.1f s\n", bytes / 1e6, threads, secs
    ok_speed = mbs >= 20; ok_mem = ratio <= 3; ok_recall = recall >= 0.95
    printf "speed     %.1f MB/s (target >= 20): %s\n", mbs, (ok_speed ? "ok" : "MISSED")
    printf "peak RSS  %.1f MB, %.2f x the input (target <= 3): %s\n", rss_kb / 1024, ratio,
        (ok_mem ? "ok" : "MISSED")
    printf "recall    %.4f (target >= 0.95): %s\n", recall, (ok_recall ? "ok" : "MISSED")
    exit (ok_speed && ok_mem && ok_recall) ? 0 : 1
}'
