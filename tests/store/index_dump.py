#!/usr/bin/env python3
"""index_dump.py STORE: print a store's n-gram index as "hash|doc" lines in (hash, doc) order,
after checking its structure (docs/store.md, "The n-gram index"): every block's rowid is
run << 16 | part, its entries are 8 bytes, a little-endian 64-bit number whose top 32 bits are
the hash's 32 bits below the part's (the part is its top 16 of 63) and whose low 32 bits are the
doc, strictly increasing; "hash" is printed as the 48 bits an entry has, part << 32 | those
bits. No block is empty; gram_runs lists
exactly the runs that have blocks, each with its number of entries; a (hash, doc) is in one run
at most. Blocks past the last listed run are a batch's staged run (store_add.c: committed before
the batch's documents, published with them), which no lookup reads: they are checked likewise
but not printed, and with --no-staged there must be none. With --docs, print instead the
documents that have entries, one rowid a line. Exits 1, saying what is wrong, when the structure
is broken."""
import sqlite3
import struct
import sys

PART_BITS = 16


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        sys.exit("usage: index_dump.py [--docs] STORE")
    db = sqlite3.connect("file:%s?mode=ro" % args[0], uri=True)
    runs = dict(db.execute("SELECT run, n FROM gram_runs"))
    last = max(runs, default=0)
    seen = {}
    staged = 0
    entries = []
    for block, data in db.execute("SELECT block, data FROM gram_blocks ORDER BY block"):
        run, part = block >> PART_BITS, block & ((1 << PART_BITS) - 1)
        if not data or len(data) % 8:
            sys.exit("block %d: %d bytes, not a positive multiple of 8" % (block, len(data or b"")))
        prev = None
        for off in range(0, len(data), 8):
            (v,) = struct.unpack_from("<Q", data, off)
            if prev is not None and v <= prev:
                sys.exit("block %d: entries out of order at %d" % (block, off // 8))
            prev = v
            if run <= last:
                entries.append((part << 32 | v >> 32, v & 0xFFFFFFFF))
        if run > last:
            staged += len(data) // 8
            continue
        seen[run] = seen.get(run, 0) + len(data) // 8
    if seen != runs:
        sys.exit("gram_runs %s does not match the blocks %s" % (sorted(runs.items()),
                                                                 sorted(seen.items())))
    if staged and "--no-staged" in sys.argv:
        sys.exit("%d staged entries past the last run %d" % (staged, last))
    entries.sort()
    for a, b in zip(entries, entries[1:]):
        if a == b:
            sys.exit("entry %d|%d is in two runs" % a)
    if "--docs" in sys.argv:
        for d in sorted({d for _, d in entries}):
            print(d)
    else:
        for h, d in entries:
            print("%d|%d" % (h, d))


main()
