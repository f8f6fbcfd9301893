#!/usr/bin/env python3
"""store_dump.py: the passages of an ibid store as JSON Lines, as `ibid align --no-text` writes
them (id1, id2, begin1, end1, begin2, end2, matches, score, kind), sorted by (id1, id2, begin1,
begin2), for bench/recall.py and for comparing two stores.

    python3 bench/store_dump.py news.db > passages.jsonl
"""
import json
import sqlite3
import sys

db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
rows = db.execute(
    "SELECT id1, id2, begin1, end1, begin2, end2, matches, score, kind FROM passage_ids "
    "ORDER BY id1, id2, begin1, begin2, end1, end2")
keys = ("id1", "id2", "begin1", "end1", "begin2", "end2", "matches", "score", "kind")
for r in rows:
    print(json.dumps(dict(zip(keys, r)), separators=(",", ":")))
