#!/usr/bin/env python3
"""chance_overlap.py: how many word n-grams do unrelated documents of a corpus share by chance?

A check of bench/gen_corpus.c's background text against real text (bench/README.md). Words are
tokenized roughly as ibid does: case-folded runs of letters and digits.

    python3 bench/chance_overlap.py corpus.jsonl [--truth truth.tsv] [--pairs 2000]
        [--max-docs 20000] [--chunk BYTES] [--seed 1]

--truth: pairs linked by planted passages, directly or through chains and second copies, are
not unrelated and are never sampled. --chunk BYTES: cut texts into pieces of about BYTES (whole
words), and group short texts into pieces that size, so that corpora of different document
sizes compare at one size (e.g. Reuters stories of 1 KB at the generator's 6 KB); pieces with
text from one same input document are never paired.

Prints, for random pairs of unrelated pieces: the mean number of distinct shared 4- and 5-grams,
the fraction of pairs that share any, and the fraction that share at least 2 of the 4-grams
found in at most --max-df pieces of the sample (what ibid align's seeding would keep, at the
sample's size), which is the chance of a spurious candidate pair.
"""
import argparse
import json
import random
import re
import sys
from collections import Counter

WORD = re.compile(r"[^\W_]+")


def read_docs(path, max_docs):
    ids, texts = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            d = json.loads(line)
            ids.append(str(d["id"]))
            texts.append(d["text"])
            if len(texts) >= max_docs:
                break
    return ids, texts


def related_groups(truth, ids):
    """A component number for every id linked to another by the truth (union-find)."""
    parent = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    if truth:
        with open(truth, encoding="utf-8") as f:
            next(f)
            for line in f:
                c = line.rstrip("\n").split("\t")
                parent[find(c[0])] = find(c[3])
    return {i: find(i) for i in ids}


def pieces(ids, texts, chunk, group):
    """(origin groups, token lists) of the pieces of the corpus."""
    out_groups, out_toks = [], []
    if not chunk:
        for i, t in zip(ids, texts):
            out_groups.append({group[i]})
            out_toks.append(WORD.findall(t.casefold()))
        return out_groups, out_toks
    cur, cur_groups, cur_bytes = [], set(), 0
    for i, t in zip(ids, texts):
        for m in re.finditer(r"\S+", t):
            cur.extend(WORD.findall(m.group().casefold()))
            cur_groups.add(group[i])
            cur_bytes += len(m.group()) + 1
            if cur_bytes >= chunk:
                out_groups.append(cur_groups)
                out_toks.append(cur)
                cur, cur_groups, cur_bytes = [], set(), 0
    return out_groups, out_toks


def grams(toks, n):
    return {tuple(toks[i:i + n]) for i in range(len(toks) - n + 1)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("--truth")
    ap.add_argument("--pairs", type=int, default=2000)
    ap.add_argument("--max-docs", type=int, default=20000)
    ap.add_argument("--max-df", type=int, default=100)
    ap.add_argument("--chunk", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()

    ids, texts = read_docs(a.corpus, a.max_docs)
    group = related_groups(a.truth, ids)
    groups, toks = pieces(ids, texts, a.chunk, group)
    n = len(toks)
    if n < 2:
        sys.exit("chance_overlap.py: fewer than 2 pieces")
    g4 = [grams(t, 4) for t in toks]
    g5 = [grams(t, 5) for t in toks]
    df = Counter()
    for s in g4:
        df.update(s)
    rng = random.Random(a.seed)
    sh4 = sh5 = any4 = any5 = cand = tried = 0
    while tried < a.pairs:
        i, j = rng.randrange(n), rng.randrange(n)
        if i == j or groups[i] & groups[j]:
            continue
        tried += 1
        s4 = g4[i] & g4[j]
        s5 = g5[i] & g5[j]
        sh4 += len(s4)
        sh5 += len(s5)
        any4 += bool(s4)
        any5 += bool(s5)
        cand += sum(1 for g in s4 if df[g] <= a.max_df) >= 2
    words = sum(len(t) for t in toks) / n
    multi = sum(1 for c in df.values() if c >= 2)
    print(f"{a.corpus}: {n} pieces of {words:.0f} words on average "
          f"({len(texts)} documents read); {tried} random unrelated pairs:")
    print(f"  shared 4-grams per pair: {sh4 / tried:.2f} (pairs sharing any: {any4 / tried:.1%})")
    print(f"  shared 5-grams per pair: {sh5 / tried:.2f} (pairs sharing any: {any5 / tried:.1%})")
    print(f"  pairs sharing >= 2 4-grams of df <= {a.max_df}: {cand / tried:.2%}")
    print(f"  distinct 4-grams in >= 2 pieces: {multi / max(1, len(df)):.2%} of {len(df)}")


if __name__ == "__main__":
    main()
