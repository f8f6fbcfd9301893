#!/usr/bin/env python3
"""The slow exact reference for ibid dedup: every pair's Jaccard, on a small corpus.

    dedup_allpairs.py CORPUS.jsonl CLUSTERS.jsonl THRESHOLD [NGRAM]

Words are runs of letters and digits, case folded (NFKC), as ibid's tokenizer makes them for
the ASCII and Latin text of the benchmarks; shingles are word NGRAM-grams (default 5, a shorter
document is one shingle) compared as tuples of words, with no hashing. Every pair of documents
sharing a shingle is scored (an inverted index finds them); pairs with Jaccard >= THRESHOLD are
the true duplicate pairs, and their connected components the true clusters.
  pair recall     true pairs whose documents share an ibid cluster / true pairs
  pair precision  pairs of documents sharing an ibid cluster that are connected by true pairs
                  (in one true cluster) / pairs sharing an ibid cluster
  and the same for exact duplicates (equal word sequences).
"""
import json
import re
import sys
import unicodedata
from collections import defaultdict
from itertools import combinations

WORD = re.compile(r"[^\W_]+", re.UNICODE)


def words(text):
    return WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingles(w, n):
    if not w:
        return frozenset()
    if len(w) < n:
        return frozenset([tuple(w)])
    return frozenset(tuple(w[i:i + n]) for i in range(len(w) - n + 1))


def main():
    corpus, clusters, thr = sys.argv[1], sys.argv[2], float(sys.argv[3])
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    ids, sets, seqs = [], [], []
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            d = json.loads(line)
            ids.append(str(d["id"]))
            w = words(d["text"])
            seqs.append(tuple(w))
            sets.append(shingles(w, n))
    index = defaultdict(list)
    for i, s in enumerate(sets):
        for sh in s:
            index[sh].append(i)
    seen = set()
    true_pairs = set()
    for docs in index.values():
        if len(docs) > 200:  # a shingle in very many documents: score those pairs once anyway
            pass
        for a, b in combinations(docs, 2):
            if (a, b) in seen:
                continue
            seen.add((a, b))
            inter = len(sets[a] & sets[b])
            j = inter / (len(sets[a]) + len(sets[b]) - inter)
            if j >= thr:
                true_pairs.add((a, b))
    by_seq = defaultdict(list)
    for i, s in enumerate(seqs):
        by_seq[s].append(i)
    for docs in by_seq.values():  # exact duplicates, documents without words included
        for a, b in combinations(docs, 2):
            true_pairs.add((a, b))
    parent = list(range(len(ids)))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in true_pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    pos = {d: i for i, d in enumerate(ids)}
    ibid_cluster = {}
    with open(clusters) as f:
        for k, line in enumerate(f):
            for m in json.loads(line)["members"]:
                ibid_cluster[m["n"]] = k
    members = defaultdict(list)
    for i, k in ibid_cluster.items():
        members[k].append(i)
    ibid_pairs = [(a, b) for ms in members.values() for a, b in combinations(sorted(ms), 2)]
    rec = sum(1 for a, b in true_pairs if a in ibid_cluster and ibid_cluster.get(a) == ibid_cluster.get(b))
    prec = sum(1 for a, b in ibid_pairs if find(a) == find(b))
    print(f"threshold {thr}: {len(ids)} documents, {len(seen)} pairs sharing a shingle scored; "
          f"true pairs {len(true_pairs)}, ibid's cluster pairs {len(ibid_pairs)}")
    print(f"  pair recall    {rec}/{len(true_pairs)} = {rec / max(1, len(true_pairs)):.4f}")
    print(f"  pair precision {prec}/{len(ibid_pairs)} = {prec / max(1, len(ibid_pairs)):.4f}")
    del pos


if __name__ == "__main__":
    main()
