#!/usr/bin/env python3
"""Score ibid dedup's clusters against the planted truth of bench/gen_dedup.

    dedup_eval.py TRUTH.tsv CLUSTERS.jsonl THRESHOLD

TRUTH.tsv (from gen_dedup): copy_id, orig_id, edit_rate, jaccard (exact, word 5-grams).
A planted pair is a duplicate at THRESHOLD when its Jaccard is at least THRESHOLD.
  recall     planted duplicate pairs whose two documents share a cluster / planted duplicate pairs
  precision  removed documents whose survivor is of the same planted family (an original and its
             copies, transitively) / removed documents; a removed document with no planted
             relation to its survivor is a false positive
  also: planted pairs below the threshold that still share a cluster (through other copies of
  the same original, or because the MinHash banding put them together and verification agreed)
and recall by edit rate.
"""
import json
import sys
from collections import defaultdict


def main():
    truth_path, clusters_path, thr = sys.argv[1], sys.argv[2], float(sys.argv[3])
    pairs = []
    parent = {}

    def find(x):
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    with open(truth_path) as f:
        next(f)
        for line in f:
            c, o, e, j = line.rstrip("\n").split("\t")
            pairs.append((c, o, float(e), float(j)))
            a, b = find(c), find(o)
            if a != b:
                parent[max(a, b)] = min(a, b)
    cluster_of = {}
    survivor = {}
    removed = 0
    with open(clusters_path) as f:
        for k, line in enumerate(f):
            cl = json.loads(line)
            for m in cl["members"]:
                cluster_of[m["id"]] = k
                survivor[m["id"]] = cl["kept"]
                removed += m["id"] != cl["kept"]
    good = sum(1 for d, s in survivor.items() if d != s and find(d) == find(s))
    dup = [p for p in pairs if p[3] >= thr]
    found = [p for p in dup if p[0] in cluster_of and cluster_of.get(p[0]) == cluster_of.get(p[1])]
    below = [p for p in pairs if p[3] < thr]
    below_joined = [p for p in below
                    if p[0] in cluster_of and cluster_of.get(p[0]) == cluster_of.get(p[1])]
    print(f"threshold {thr}: planted pairs {len(pairs)}, at or above the threshold {len(dup)}")
    print(f"  recall    {len(found)}/{len(dup)} = {len(found) / max(1, len(dup)):.4f}")
    print(f"  precision {good}/{removed} = {good / max(1, removed):.4f} (removed documents "
          f"whose survivor is of their planted family)")
    print(f"  planted pairs below the threshold in one cluster: {len(below_joined)}/{len(below)}")
    by_rate = defaultdict(lambda: [0, 0, 0.0])
    for p in pairs:
        r = by_rate[p[2]]
        r[0] += 1
        r[1] += p[0] in cluster_of and cluster_of.get(p[0]) == cluster_of.get(p[1])
        r[2] += p[3]
    print("  by edit rate: rate, pairs, mean Jaccard, share clustered")
    for rate in sorted(by_rate):
        n, c, js = by_rate[rate]
        print(f"    {rate:.2f} {n:8d} {js / n:.3f} {c / n:.4f}")


if __name__ == "__main__":
    main()
