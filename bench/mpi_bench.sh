#!/bin/sh
# mpi_bench.sh: ibid align and ibid dedup on 1, 2 and 4 MPI ranks of this one machine, against
# one process: wall time, CPU time, peak memory of each rank, bytes exchanged; and a check that
# every run wrote the one-process output byte for byte.
#   bench/mpi_bench.sh [SIZE [WHAT]]      SIZE of each generated corpus (default 200M);
#                                         WHAT: align, dedup or all (default)
# Uses build/ (BUILD=dir for another folder: an MPI build, -DCMAKE_BUILD_TYPE=Release) and
# scripts/mpirun.sh; corpora and outputs go to bench/out/ (git-ignored). Every run has
# --threads 1, so a rank is one process on one core: with 4 ranks on 2 cores the machine is
# oversubscribed, and the time says little; memory per rank and bytes exchanged are the point.
# The per-rank figures come from ibid's -v table (getrusage's peak RSS, bytes sent and received
# counted by ibid, output merge included); time, CPU and the largest process's peak RSS from
# /usr/bin/time -v (of mpirun, which waits for the ranks).
set -eu
cd "$(dirname "$0")/.."
SIZE=${1:-200M}
WHAT=${2:-all}
BUILD=${BUILD:-build}
IBID=$BUILD/ibid
OUT=bench/out
mkdir -p "$OUT"
[ -x "$IBID" ] || { echo "no $IBID: build first (cmake -S . -B $BUILD && cmake --build $BUILD)"; exit 1; }
"$IBID" --version

corpus=$OUT/mpi-align-$SIZE.jsonl
dcorpus=$OUT/mpi-dedup-$SIZE.jsonl
[ -s "$corpus" ] || "$BUILD"/bench/gen_corpus --bytes "$SIZE" --seed 1 -o "$corpus" \
    --truth "$OUT/mpi-align-$SIZE.truth.tsv" 2>/dev/null
[ -s "$dcorpus" ] || "$BUILD"/bench/gen_dedup --bytes "$SIZE" --seed 1 --dup 0.2 \
    --out "$dcorpus" --truth "$OUT/mpi-dedup-$SIZE.truth.tsv" 2>/dev/null

# run NAME CMD...: time CMD, print "NAME wall_s cpu_s maxrss_MB"
run() {
    name=$1
    shift
    /usr/bin/time -v "$@" 2>"$OUT/$name.time" >/dev/null || {
        echo "$name failed:"
        tail -20 "$OUT/$name.time"
        exit 1
    }
    awk -v n="$name" '
        /Elapsed \(wall clock\)/ { split($NF, t, ":"); w = (length(t) == 3) ? t[1] * 3600 + t[2] * 60 + t[3] : t[1] * 60 + t[2] }
        /User time/ { u = $NF } /System time/ { s = $NF } /Maximum resident/ { m = $NF / 1024 }
        END { printf "%-16s wall %7.2f s  cpu %7.2f s  max RSS %8.1f MB\n", n, w, u + s, m }' \
        "$OUT/$name.time"
}

# the -v table of a rank run, per rank: peak RSS and MB sent/received
ranks() {
    grep -E "^ibid (align|dedup): +[0-9]+ +[0-9]+ +[0-9.]+ " "$OUT/$1.time" | awk '{ printf "    rank %s: docs %s, peak RSS %s MB, sent %s MB, received %s MB\n", $3, $4, $NF, $(NF-2), $(NF-1) }'
}

bench() { # align or dedup, its corpus, its options
    cmd=$1
    in=$2
    shift 2
    echo "== ibid $cmd, $(du -m "$in" | cut -f1) MB: $*"
    run "$cmd-one" "$IBID" "$cmd" -q --threads 1 "$@" -o "$OUT/$cmd-one.out" "$in"
    for np in 1 2 4; do
        run "$cmd-np$np" sh scripts/mpirun.sh "$np" "$IBID" "$cmd" -v --threads 1 "$@" \
            -o "$OUT/$cmd-np$np.out" "$in"
        ranks "$cmd-np$np"
        if cmp -s "$OUT/$cmd-one.out" "$OUT/$cmd-np$np.out"; then
            echo "    output: identical to one process ($(wc -l <"$OUT/$cmd-one.out") lines)"
        else
            echo "    output: DIFFERS from one process"
            exit 1
        fi
    done
}

case $WHAT in
align | all) bench align "$corpus" --no-text ;;
esac
case $WHAT in
dedup | all) bench dedup "$dcorpus" ;;
esac
