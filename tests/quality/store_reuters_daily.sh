#!/bin/sh
# Reuters-21578 added to a store one day at a time, in date order, as a newsroom would (issue 4's
# check). ../shared/data/reuters21578/docs.jsonl is research use only: read from there, never
# committed; skipped (exit 77) when absent. One `ibid add` per day (59 days), each followed by
# `ibid stories --update` (the saved stories brought up to date incrementally), then `ibid stories
# --save` on a copy. Checks: the incremental saves leave the same tables as the full save, table
# by table; every story's first witness is its earliest dated document, in the listing and in the
# saved tables; the store links at least 90% of the document pairs one `ibid align` of the
# whole collection links (93.3% measured, bench/RESULTS.md); the stories inspected by hand
# (bench/RESULTS.md, "Reuters-21578 added day by day") are found whole, first witness first; the
# templates of unrelated issuers are not joined.
set -eu
IBID=$1
R=${IBID_SHARED:?}/data/reuters21578/docs.jsonl
if [ ! -r "$R" ]; then
    echo "SKIP: $R is absent (Reuters-21578 is read from ../shared, never committed)"
    exit 77
fi
# in memory when /dev/shm is there: the 59 commits' fsyncs are what a disk would add, not what is
# tested
tmp=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/days"
python3 "$(dirname "$0")/../../scripts/split_days.py" "$R" "$tmp/days" >/dev/null
for f in "$tmp"/days/*.jsonl; do
    "$IBID" add -q --threads 2 --db "$tmp/r.db" "$f"
    "$IBID" stories -q --db "$tmp/r.db" --update
done
cp "$tmp/r.db" "$tmp/u.db"
"$IBID" stories -q --db "$tmp/r.db" --save --format jsonl -o "$tmp/stories.jsonl"
python3 - "$tmp/u.db" "$tmp/r.db" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.execute("ATTACH ? AS f", (sys.argv[2],))
bad = 0
for sql in ("SELECT * FROM {}stories", "SELECT * FROM {}story_docs",
            "SELECT passage, story, boilerplate FROM {}passages", "SELECT * FROM {}story_words",
            "SELECT batch, n_stories, n_boilerplate FROM {0}story_saves WHERE save = "
            "(SELECT max(save) FROM {0}story_saves)", "SELECT * FROM {}config",
            "SELECT passage, need, kdf IS NULL, words IS NULL, figures IS NULL FROM {}story_rare"):
    a, b = sql.format("main."), sql.format("f.")
    n = con.execute(f"SELECT (SELECT count(*) FROM ({a} EXCEPT {b})) + "
                    f"(SELECT count(*) FROM ({b} EXCEPT {a}))").fetchone()[0]
    if n:
        print(f"FAIL {n} rows differ between the incremental and the full save: {a}")
        bad = 1
sys.exit(bad)
PY
"$IBID" align -q --threads 2 --no-text -o "$tmp/passages.jsonl" "$R"
python3 - "$R" "$tmp/r.db" "$tmp/stories.jsonl" "$tmp/passages.jsonl" <<'PY'
import json, sqlite3, sys
from collections import Counter
R, db, stories_path, align_path = sys.argv[1:5]
date = {}
for line in open(R, encoding="utf-8"):
    d = json.loads(line)
    date[d["id"]] = d["date"]
stories = [json.loads(x) for x in open(stories_path)]
fail = []
story_of = {}
for s in stories:
    ids = [w["id"] for w in s["witnesses"]]
    for i in ids:
        story_of.setdefault(i, set()).add(s["story"])
    if ids[0] != s["first"] or date[s["first"]] != min(date[i] for i in ids):
        fail.append(f"story {s['story']}: first witness {s['first']} is not the earliest")
con = sqlite3.connect(db)
# a saved story is numbered by its lowest passage rowid, not as listed: match them by members
members = {}
for n, i in con.execute("SELECT y.story, d.id FROM story_docs y JOIN docs d USING (doc)"):
    members.setdefault(n, set()).add(i)
saved = Counter((frozenset(members.get(n, ())), f, k) for n, f, k in con.execute(
    "SELECT s.story, d.id, s.n_docs FROM stories s JOIN docs d ON d.doc = s.first_doc"))
listed = Counter((frozenset(w["id"] for w in s["witnesses"]), s["first"], s["n_docs"])
                 for s in stories)
if saved != listed:
    fail.append(f"{sum(saved.values())} stories saved, {len(stories)} listed, "
                f"{sum((saved - listed).values())} saved and not listed")
bad = con.execute("SELECT count(*) FROM stories s JOIN story_docs y USING (story) "
                  "JOIN docs d ON d.doc = y.doc JOIN docs f ON f.doc = s.first_doc "
                  "WHERE d.date < f.date").fetchone()[0]
if bad:
    fail.append(f"{bad} saved members dated before their story's first witness")
pa = {(p["id1"], p["id2"]) for p in map(json.loads, open(align_path))}
ps = {(min(a, b), max(a, b)) for a, b in con.execute(
    "SELECT d1.id, d2.id FROM passages p JOIN docs d1 ON d1.doc = p.doc1 "
    "JOIN docs d2 ON d2.doc = p.doc2")}
share = len(pa & ps) / max(1, len(pa))
if share < 0.9:
    fail.append(f"the store links {share:.1%} of align's document pairs (at least 90% wanted)")
for a, b in (("9325", "1086"), ("3672", "5576"), ("11835", "19548"), ("4930", "5034"),
             ("9097", "11031")):
    if story_of.get(a, set()) & story_of.get(b, set()):
        fail.append(f"template documents {a} and {b} are in one story")
# inspected by hand: the nine of the batch stories, and four that span days of adds
sample = [["8457", "8580", "8899"], ["8074", "8234"], ["3084", "5499", "10559"],
          ["7702", "19370", "20360"], ["2744", "4938", "7818", "10594", "13019", "19294"],
          ["1933", "3524"], ["1081", "1202"], ["3800", "3838"], ["505", "550"],
          ["13507", "16318"], ["4289", "8400", "8656"], ["2900", "5030"], ["4367", "11559"]]
by_no = {s["story"]: s for s in stories}
for ids in sample:
    common = set.intersection(*[story_of.get(i, set()) for i in ids])
    if not common:
        fail.append(f"sample {ids}: not in one story")
        continue
    s = by_no[min(common)]
    first = min(ids, key=lambda i: (date[i], i))
    if s["first"] != first:
        fail.append(f"sample {ids}: story {s['story']} starts with {s['first']}, not {first}")
sizes = sorted(len(s["witnesses"]) for s in stories)
print(f"{len(stories)} stories, largest {sizes[-1] if sizes else 0} documents; the store links "
      f"{share:.1%} of align's {len(pa)} document pairs; {len(sample)} inspected stories checked")
for f in fail[:20]:
    print("FAIL", f)
sys.exit(1 if fail else 0)
PY
