#!/bin/sh
# stories_update.sh: the cost of saving stories incrementally (ibid stories --update) against a
# full save (--save), on Reuters-21578 added one day at a time (issue 4).
#   bench/stories_update.sh          (BUILD=dir; SHARED=../shared; LAST=5)
# All days but the LAST are added and saved (a full save: the first --update); then each of the
# LAST days is added and the stories updated, each step timed; then a full --save of a copy of
# the final store, timed, and the two stores' story tables compared (they must be equal). The
# collection is research-use only: read from ../shared, nothing of it committed; the files go to
# bench/out/stories_update/.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
LAST=${LAST:-5}
IBID=$PWD/$BUILD/ibid
out=bench/out/stories_update
rm -rf $out
mkdir -p $out/days
python3 scripts/split_days.py "$SHARED/data/reuters21578/docs.jsonl" $out/days
t() { /usr/bin/time -f "  %e s wall, %U s user, %S s system, %M KB max RSS" "$@"; }
n=$(ls $out/days | wc -l)
for f in $(ls $out/days/*.jsonl | head -n $((n - LAST))); do
    "$IBID" add -q -t 2 --db $out/r.db "$f"
done
echo "== the first $((n - LAST)) days added; ibid stories --update (a full save the first time)"
t "$IBID" stories --db $out/r.db --update
for f in $(ls $out/days/*.jsonl | tail -n "$LAST"); do
    echo "== $(basename "$f" .jsonl): ibid add of $(wc -l <"$f") documents, then ibid stories --update"
    t "$IBID" add -q -t 2 --db $out/r.db "$f"
    t "$IBID" stories --db $out/r.db --update
done
cp $out/r.db $out/full.db
echo "== ibid stories --save (full) over the same store"
t "$IBID" stories -q --db $out/full.db --save -o /dev/null
python3 - $out/r.db $out/full.db <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.execute("ATTACH ? AS f", (sys.argv[2],))
for sql in ("SELECT * FROM {}stories", "SELECT * FROM {}story_docs",
            "SELECT passage, story, boilerplate FROM {}passages", "SELECT * FROM {}story_words"):
    a, b = sql.format("main."), sql.format("f.")
    n = con.execute(f"SELECT (SELECT count(*) FROM ({a} EXCEPT {b})) + "
                    f"(SELECT count(*) FROM ({b} EXCEPT {a}))").fetchone()[0]
    print(f"{a}: {n} rows differ between the updated and the fully saved store")
PY
