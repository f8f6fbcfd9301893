#!/bin/bash
# mode_time.sh: the time of --mode all against verbatim alone on PAN 2013 (issue 3: at most 2x).
#
#   bench/mode_time.sh [RUNS]         RUNS: alternating runs of each mode, default 7
#
# Runs `ibid align --no-text --threads 2 --pairs pairs.tsv docs.jsonl` in verbatim mode and with
# --mode all, alternately, RUNS times each, and prints the least wall-clock time and the least
# CPU time (user + system) of each and their ratios. The least of several runs is the figure
# least disturbed by whatever else the machine does. Environment: IBID (default build/ibid),
# THREADS (default 2), SHARED (default ../shared).
set -euo pipefail
cd "$(dirname "$0")/.."
ibid=${IBID:-build/ibid}
threads=${THREADS:-2}
runs=${1:-7}
data=${SHARED:-../shared}/data/pan13-train
[ -x "$ibid" ] || { echo "no $ibid: build first (cmake --build build)" >&2; exit 1; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for _ in $(seq "$runs"); do
    for mode in verbatim all; do
        /usr/bin/time -f "$mode %e %U %S" -a -o "$tmp" "$ibid" align -q --no-text \
            --threads "$threads" --mode "$mode" --pairs "$data/pairs.tsv" -o /dev/null \
            "$data/docs.jsonl"
    done
done
awk '{ w = $2; c = $3 + $4
       if (!($1 in wall) || w < wall[$1]) wall[$1] = w
       if (!($1 in cpu) || c < cpu[$1]) cpu[$1] = c }
     END { printf "verbatim: wall %.2f s, cpu %.2f s\n", wall["verbatim"], cpu["verbatim"]
           printf "all:      wall %.2f s, cpu %.2f s\n", wall["all"], cpu["all"]
           printf "all / verbatim: wall %.2fx, cpu %.2fx (target 2x)\n",
                  wall["all"] / wall["verbatim"], cpu["all"] / cpu["verbatim"] }' "$tmp"
