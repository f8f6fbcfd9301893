#!/usr/bin/env python3
"""split_days.py DOCS.jsonl OUTDIR: write the documents of a JSON Lines corpus into one file per
day, OUTDIR/YYYY-MM-DD.jsonl, by the first ten characters of each document's "date" (undated
documents into 0000-00-00.jsonl), each line as it is and in input order; print how many
documents and days. Used to add Reuters-21578 to a store one day at a time
(tests/quality/store_reuters_daily.sh, bench/reuters_daily.sh, bench/stories_update.sh)."""
import json
import sys

if len(sys.argv) != 3:
    sys.exit("usage: split_days.py DOCS.jsonl OUTDIR")
days = {}
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        d = json.loads(line)
        days.setdefault((d.get("date") or "0000-00-00")[:10], []).append(line)
for day, lines in sorted(days.items()):
    with open("%s/%s.jsonl" % (sys.argv[2], day), "w", encoding="utf-8") as out:
        out.writelines(lines)
print("%d documents in %d days" % (sum(map(len, days.values())), len(days)))
