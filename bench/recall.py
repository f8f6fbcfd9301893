#!/usr/bin/env python3
"""recall.py: score ibid's passages against the passages bench/gen_corpus.c planted.

    python3 bench/recall.py truth.tsv out.jsonl [--min-recall 0.95]

truth.tsv: id1 begin1 end1 id2 begin2 end2 edit_rate, one planted passage a line (source span in
id1, copy in id2; code points, end exclusive). out.jsonl: ibid align's output, one detection a
line with id1, id2, begin1, end1, begin2, end2 (other fields are ignored). ibid writes id1 < id2
by string order, so a detection may name the pair the other way round from the truth; both are
matched.

Recall. A planted passage is found when a detection on the same document pair overlaps it on
both sides (by at least one code point). Coverage is the fraction of planted code points, both
sides counted, that lie inside detections on that pair that overlap the passage on both sides.

Precision. The generator also makes pairs that share text without a truth line of their own: a
chain A->B->C (truth has A,B and B,C; A and C share the passage too), a second copy A->B, A->D
(B and D share it), and a passage copied from a part of a document that was itself a copy. So
the planted spans are joined into groups: the two spans of a truth line are joined, and so are
two spans of one document that overlap. A detection is
  - direct: it overlaps a truth line of its own pair on both sides;
  - transitive: otherwise, some planted span overlapping its first side and some planted span
    overlapping its second side are in one group;
  - unexplained: neither, a false positive as far as the truth can tell.
The precision estimate is (direct + transitive) / detections.

Exits 1 when --min-recall is given and recall is below it.
"""
import argparse
import bisect
import json
import sys
from collections import defaultdict


def overlap(b1, e1, b2, e2):
    return b1 < e2 and b2 < e1


def covered(beg, end, spans):
    """Code points of [beg, end) inside the union of spans (a list of (b, e))."""
    spans = sorted((max(b, beg), min(e, end)) for b, e in spans if overlap(b, e, beg, end))
    total, cur_b, cur_e = 0, None, None
    for b, e in spans:
        if cur_e is None or b > cur_e:
            if cur_e is not None:
                total += cur_e - cur_b
            cur_b, cur_e = b, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        total += cur_e - cur_b
    return total


def read_truth(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        header = next(f).rstrip("\n").split("\t")
        col = {name: i for i, name in enumerate(header)}
        for name in ("id1", "begin1", "end1", "id2", "begin2", "end2"):
            if name not in col:
                sys.exit(f"recall.py: {path}: no column {name}")
        for n, line in enumerate(f, 2):
            c = line.rstrip("\n").split("\t")
            if len(c) < len(header):
                sys.exit(f"recall.py: {path}:{n}: {len(c)} columns, expected {len(header)}")
            rate = float(c[col["edit_rate"]]) if "edit_rate" in col else 0.0
            rows.append((c[col["id1"]], int(c[col["begin1"]]), int(c[col["end1"]]),
                         c[col["id2"]], int(c[col["begin2"]]), int(c[col["end2"]]), rate))
    return rows


def read_detections(path):
    dets = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                dets.append((str(d["id1"]), int(d["begin1"]), int(d["end1"]),
                             str(d["id2"]), int(d["begin2"]), int(d["end2"])))
            except (ValueError, KeyError, TypeError) as e:
                sys.exit(f"recall.py: {path}:{n}: {e}")
    return dets


def oriented(id1, b1, e1, id2, b2, e2):
    """The same pair of spans with the smaller id first."""
    if id2 < id1:
        return id2, b2, e2, id1, b1, e1
    return id1, b1, e1, id2, b2, e2


class Groups:
    """Planted spans per document, joined into groups (union-find) as described above."""

    def __init__(self, rows):
        self.parent = []
        self.spans = defaultdict(list)  # doc -> [(begin, end, node)] sorted by begin
        self.max_len = defaultdict(int)
        for id1, b1, e1, id2, b2, e2, _ in rows:
            n1, n2 = self.node(id1, b1, e1), self.node(id2, b2, e2)
            self.union(n1, n2)
        for doc, spans in self.spans.items():
            spans.sort()
            end, last = -1, None
            for b, e, node in spans:  # sweep: join spans that overlap the ones before
                if last is not None and b < end:
                    self.union(last, node)
                if e > end:
                    end, last = e, node
            self.max_len[doc] = max(e - b for b, e, _ in spans)

    def node(self, doc, b, e):
        self.parent.append(len(self.parent))
        self.spans[doc].append((b, e, len(self.parent) - 1))
        return len(self.parent) - 1

    def find(self, x):
        p = self.parent
        while p[x] != x:
            p[x] = p[p[x]]
            x = p[x]
        return x

    def union(self, a, b):
        self.parent[self.find(a)] = self.find(b)

    def groups_at(self, doc, b, e):
        """Groups of the planted spans of doc that overlap [b, e)."""
        spans = self.spans.get(doc)
        if not spans:
            return set()
        # spans are sorted by begin; any overlapping span begins after b - max_len
        i = bisect.bisect_left(spans, (b - self.max_len[doc], -1, -1))
        out = set()
        for sb, se, node in spans[i:]:
            if sb >= e:
                break
            if se > b:
                out.add(self.find(node))
        return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("truth")
    ap.add_argument("detections")
    ap.add_argument("--min-recall", type=float)
    a = ap.parse_args()

    rows = read_truth(a.truth)
    dets = read_detections(a.detections)
    by_pair = defaultdict(list)
    for d in dets:
        i1, b1, e1, i2, b2, e2 = oriented(*d)
        by_pair[(i1, i2)].append((b1, e1, b2, e2))

    found = 0
    cov = tot = 0
    direct = set()  # (pair, index into by_pair[pair]) of detections that overlap a truth line
    bins = defaultdict(lambda: [0, 0])  # (kind, bin) -> [found, total]
    for row in rows:
        i1, b1, e1, i2, b2, e2 = oriented(*row[:6])
        pair_dets = by_pair.get((i1, i2), [])
        hits = [k for k, (db1, de1, db2, de2) in enumerate(pair_dets)
                if overlap(db1, de1, b1, e1) and overlap(db2, de2, b2, e2)]

        ok = bool(hits)
        found += ok
        direct.update(((i1, i2), k) for k in hits)
        cov += covered(b1, e1, [pair_dets[k][:2] for k in hits])
        cov += covered(b2, e2, [pair_dets[k][2:] for k in hits])
        tot += (e1 - b1) + (e2 - b2)
        length = min(e1 - b1, e2 - b2)
        lbin = "<250" if length < 250 else "250-999" if length < 1000 else ">=1000"
        rate = row[6]
        rbin = "<0.03" if rate < 0.03 else "0.03-0.07" if rate < 0.07 else ">=0.07"
        for key in (("length (code points)", lbin), ("edit rate", rbin)):
            bins[key][0] += ok
            bins[key][1] += 1

    groups = Groups(rows)
    n_direct = len(direct)
    n_trans = 0
    unexplained = []
    for pair, lst in by_pair.items():
        for k, (b1, e1, b2, e2) in enumerate(lst):
            if (pair, k) in direct:
                continue
            if groups.groups_at(pair[0], b1, e1) & groups.groups_at(pair[1], b2, e2):
                n_trans += 1
            else:
                unexplained.append((pair, b1, e1, b2, e2))

    n_rows, n_dets = len(rows), len(dets)
    recall = found / n_rows if n_rows else float("nan")
    n_pairs = len({tuple(sorted((r[0], r[3]))) for r in rows})
    print(f"planted passages: {n_rows} on {n_pairs} pairs; "
          f"detections: {n_dets} on {len(by_pair)} pairs")
    print(f"recall: {recall:.4f} ({found} of {n_rows} planted passages found)")
    print(f"coverage: {cov / tot if tot else float('nan'):.4f} of planted code points, both sides")
    if n_dets:
        print(f"precision: {(n_direct + n_trans) / n_dets:.4f} (direct {n_direct}, "
              f"transitive {n_trans}, unexplained {len(unexplained)})")
    else:
        print("precision: n/a (no detections)")
    for kind, names in (("length (code points)", ("<250", "250-999", ">=1000")),
                        ("edit rate", ("<0.03", "0.03-0.07", ">=0.07"))):
        parts = [f"{b} {bins[(kind, b)][0] / bins[(kind, b)][1]:.4f} ({bins[(kind, b)][1]})"
                 for b in names if (kind, b) in bins]
        print(f"recall by {kind}: " + ", ".join(parts))
    for pair, b1, e1, b2, e2 in unexplained[:5]:
        print(f"  unexplained: {pair[0]} [{b1}, {e1}) {pair[1]} [{b2}, {e2})")
    if a.min_recall is not None and not recall >= a.min_recall:
        print(f"recall {recall:.4f} is below {a.min_recall}")
        sys.exit(1)


if __name__ == "__main__":
    main()
