#!/bin/sh
# Quality of stories on Reuters-21578 (../shared/data/reuters21578/docs.jsonl, research use only:
# read from there, never committed). Skipped (exit 77) when the data is absent. Checks, over the
# whole collection: every story's first witness is its earliest dated document; no story is a
# chain (at most 50 documents, and in every story of 4 or more, at least 15% of its document
# pairs share a passage directly; a chain of n has 2/n); known template documents (eurobond
# notices, earnings tables of unrelated companies) are not joined. And on the sample of stories
# inspected by hand (bench/RESULTS.md, "Stories on Reuters-21578"): each is found whole, first
# witness first.
set -eu
IBID=$1
R=${IBID_SHARED:?}/data/reuters21578/docs.jsonl
if [ ! -r "$R" ]; then
    echo "SKIP: $R is absent (Reuters-21578 is read from ../shared, never committed)"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$IBID" align -q --threads 2 --no-text -o "$tmp/passages.jsonl" "$R"
"$IBID" stories -q --threads 2 --format jsonl -o "$tmp/stories.jsonl" "$R"
python3 - "$R" "$tmp/passages.jsonl" "$tmp/stories.jsonl" <<'PY'
import json, sys
date = {}
for line in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(line)
    date[d["id"]] = d["date"]
pairs = {(p["id1"], p["id2"]) for p in map(json.loads, open(sys.argv[2]))}
stories = [json.loads(x) for x in open(sys.argv[3])]
fail = []
story_of = {}
for s in stories:
    ids = [w["id"] for w in s["witnesses"]]
    for i in ids:
        story_of.setdefault(i, []).append(s["story"])
    if date[s["first"]] != min(date[i] for i in ids) or ids[0] != s["first"]:
        fail.append(f"story {s['story']}: first witness {s['first']} is not the earliest")
    if len(ids) > 50:
        fail.append(f"story {s['story']} has {len(ids)} documents")
    n = len(ids)
    if n >= 4:
        e = sum((min(a, b), max(a, b)) in pairs for k, a in enumerate(ids) for b in ids[k + 1:])
        if e / (n * (n - 1) / 2) < 0.15:
            fail.append(f"story {s['story']}: only {e} of its {n * (n - 1) // 2} pairs linked")
# templates of unrelated issuers and companies: never one story
for a, b in (("9325", "1086"), ("3672", "5576"), ("11835", "19548"), ("4930", "5034"),
             ("9097", "11031")):
    if set(story_of.get(a, [])) & set(story_of.get(b, [])):
        fail.append(f"template documents {a} and {b} are in one story")
# the sample inspected by hand: one story each, its first witness first
sample = [["8457", "8580", "8899"], ["8074", "8234"], ["3084", "5499", "10559"],
          ["7702", "19370", "20360"], ["2744", "4938", "7818", "10594", "13019", "19294"],
          ["1933", "3524"], ["1081", "1202"], ["3800", "3838"], ["505", "550"]]
by_no = {s["story"]: s for s in stories}
for ids in sample:
    common = set(story_of.get(ids[0], []))
    for i in ids[1:]:
        common &= set(story_of.get(i, []))
    if not common:
        fail.append(f"sample {ids}: not in one story")
        continue
    s = by_no[min(common)]
    first = min(ids, key=lambda i: (date[i], i))
    if s["first"] != first:
        fail.append(f"sample {ids}: story {s['story']} starts with {s['first']}, not {first}")
sizes = sorted(len(s["witnesses"]) for s in stories)
print(f"{len(stories)} stories, largest {sizes[-1] if sizes else 0} documents; "
      f"{len(sample)} inspected stories checked")
for f in fail[:20]:
    print("FAIL", f)
sys.exit(1 if fail else 0)
PY
