#!/bin/sh
# store_bench.sh: the store's benchmark (issue 4): adding a batch of 10,000 documents to a store
# of 100,000 against aligning that batch alone, and the latency of ibid query on that store.
#   bench/store_bench.sh            (BUILD=dir for another build folder; THREADS=2; ROUNDS=5)
# Generates bench/out/g110.jsonl with bench/gen_corpus (seed 5, 840M: 116,182 documents of
# median 6 KB with planted reuse), takes documents 1-100,000 as the store, 100,001-110,000 as
# the batch and 110,001-110,200 as query texts. Prints the figures; bench/RESULTS.md has them.
#   bench/store_bench.sh latency DB [QDIR]   only ibid query's latency on store DB, warm and cold
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-5}
IBID=$PWD/$BUILD/ibid
out=bench/out
mkdir -p $out
cmake --build "$BUILD" -j2 --target ibid_cli gen_corpus >/dev/null

# latency IBID DB QDIR: ibid query latency, one process per query text, warm then cold. Each
# query is timed from Python: wall (perf_counter) and CPU (user + system of the child, from
# getrusage), in milliseconds; the machine is shared, so CPU is the figure that does not depend
# on what else runs. Warm: the store in the page cache (one untimed pass first). Cold: before
# each query the store's files (DB, DB-wal, DB-shm) are evicted from the page cache with
# posix_fadvise(POSIX_FADV_DONTNEED) (no root needed; clean pages only, so the store must not be
# being written), so every page the query reads comes from the disk; the ibid binary and its
# libraries stay cached, as they would on a server.
latency() {
python3 - "$@" <<'PY'
import os, resource, subprocess, sys, time
ibid, db, qdir = sys.argv[1:4]
names = sorted(os.listdir(qdir))
def evict():
    for f in (db, db + "-wal", db + "-shm"):
        try:
            fd = os.open(f, os.O_RDONLY)
        except FileNotFoundError:
            continue
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)
def run(cold):
    wall, cpu, hits = [], [], 0
    for name in names:
        if cold:
            evict()
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        out = subprocess.run([ibid, "query", "-t", "1", "--no-text", "--db", db,
                              os.path.join(qdir, name)], capture_output=True, check=True).stdout
        t1 = time.perf_counter()
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall.append((t1 - t0) * 1000)
        cpu.append((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000)
        hits += out.count(b"\n") > 0
    return wall, cpu, hits
def stats(v):
    v = sorted(v)
    return "median %.1f ms, p95 %.1f ms, max %.1f ms" % (v[(len(v) - 1) // 2], v[int(len(v) * 0.95)], v[-1])
run(False)  # warm the cache
for label, cold in (("warm (store in the page cache)", False), ("cold (store evicted before each query)", True)):
    wall, cpu, hits = run(cold)
    print("%s: queries %d, with passages %d" % (label, len(wall), hits))
    print("  wall: " + stats(wall))
    print("  CPU (user + system): " + stats(cpu))
PY
}

if [ "${1:-}" = latency ]; then
    # bench/store_bench.sh latency DB [QDIR]: the query latency alone, on a given store
    latency "$IBID" "$2" "${3:-$out/queries}"
    exit 0
fi

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

t() { /usr/bin/time -f "%e s wall, %U s user, %S s system, %M KB max RSS" "$@"; }


if [ ! -s $out/base.db ]; then
    echo "== building the 100,000-document store"
    t "$IBID" add -v -t "$THREADS" --batch 10000 --db $out/base.db $out/base100k.jsonl
fi

# The add against the batch alone, in ROUNDS alternating rounds (an align, then an add to a
# fresh copy of the store), so that both see the same machine: this one's speed swings by 10-20%
# from minute to minute. Prints each run and the medians of wall and CPU (user + system) time.
echo "== ibid align of the batch alone, then ibid add of it to a copy of the store, $ROUNDS rounds"
log=$(mktemp)
for r in $(seq "$ROUNDS"); do
    /usr/bin/time -f "align %e %U %S %M" -a -o "$log" \
        "$IBID" align -q -t "$THREADS" --no-text -o /dev/null $out/batch10k.jsonl
    rm -f $out/work.db $out/work.db-wal $out/work.db-shm
    cp $out/base.db $out/work.db
    sync
    /usr/bin/time -f "add %e %U %S %M" -a -o "$log" \
        "$IBID" add -v -t "$THREADS" --batch 10000 --db $out/work.db $out/batch10k.jsonl
done
python3 - "$log" <<'PY'
import statistics, sys
runs = {"align": [], "add": []}
for line in open(sys.argv[1]):
    what, wall, user, system, rss = line.split()
    runs[what].append((float(wall), float(user) + float(system), int(rss)))
for what, v in runs.items():
    for wall, cpu, rss in v:
        print("  %-5s %.2f s wall, %.2f s CPU, %d KB max RSS" % (what, wall, cpu, rss))
med = {w: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v))
       for w, v in runs.items()}
for what in runs:
    print("%-5s median %.2f s wall, %.2f s CPU" % (what, *med[what]))
print("add / align: %.2fx wall, %.2fx CPU (medians)" % (med["add"][0] / med["align"][0],
                                                          med["add"][1] / med["align"][1]))
PY
rm -f "$log"

echo "== ibid query latency, 200 texts (process start to exit), on the 110,000-document store"
latency "$IBID" $out/work.db $out/queries
