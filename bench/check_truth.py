#!/usr/bin/env python3
"""check_truth.py: check a corpus and its ground truth as bench/gen_corpus.c writes them.

    python3 bench/check_truth.py corpus.jsonl truth.tsv [--min-similarity 0.8]

Checks that every line of the corpus is a JSON object with a string id and text, that ids are
unique, and that every truth row names two documents, with spans in bounds (code points, end
exclusive) that begin and end at word boundaries, and whose texts are near-identical: the
similarity of their sequences of case-folded words (difflib's ratio) is at least --min-similarity, or, for a row
edited more heavily, 1 - 2 * edit_rate (a substitution costs a word on each side). Prints the
distribution of that similarity and of the edit rates, and exits 1 on any failure.
"""
import argparse
import difflib
import json
import re
import sys


WORD = re.compile(r"[^\W_]+")


def words(text):
    """Case-folded runs of letters and digits, roughly ibid's tokens: case and punctuation
    changes do not count as edits."""
    return WORD.findall(text.casefold())


def boundary(text, i):
    return i == 0 or i == len(text) or text[i - 1].isspace() or text[i].isspace()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("truth")
    ap.add_argument("--min-similarity", type=float, default=0.8)
    a = ap.parse_args()

    docs = {}
    with open(a.corpus, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            d = json.loads(line)
            if not isinstance(d.get("id"), str) or not isinstance(d.get("text"), str):
                sys.exit(f"{a.corpus}:{n}: no string id or text")
            if d["id"] in docs:
                sys.exit(f"{a.corpus}:{n}: duplicate id {d['id']}")
            docs[d["id"]] = d["text"]

    bad = 0
    sims, rates = [], []
    with open(a.truth, encoding="utf-8") as f:
        header = next(f).rstrip("\n").split("\t")
        if header != ["id1", "begin1", "end1", "id2", "begin2", "end2", "edit_rate"]:
            sys.exit(f"{a.truth}: unexpected header {header}")
        for n, line in enumerate(f, 2):
            c = line.rstrip("\n").split("\t")
            id1, b1, e1, id2, b2, e2, rate = c[0], int(c[1]), int(c[2]), c[3], int(c[4]), \
                int(c[5]), float(c[6])
            problems = []
            t1, t2 = docs.get(id1), docs.get(id2)
            if t1 is None or t2 is None:
                problems.append("unknown id")
            elif not (0 <= b1 < e1 <= len(t1) and 0 <= b2 < e2 <= len(t2)):
                problems.append("span out of bounds")
            else:
                for t, i in ((t1, b1), (t1, e1), (t2, b2), (t2, e2)):
                    if not boundary(t, i):
                        problems.append(f"offset {i} not at a word boundary")
                w1, w2 = words(t1[b1:e1]), words(t2[b2:e2])
                sim = difflib.SequenceMatcher(None, w1, w2, autojunk=False).ratio()
                sims.append(sim)
                rates.append(rate)
                if sim < min(a.min_similarity, 1 - 2 * rate):
                    problems.append(f"similarity {sim:.3f}")
            if problems:
                bad += 1
                if bad <= 10:
                    print(f"{a.truth}:{n}: {'; '.join(problems)}")

    sims.sort()
    q = lambda v, p: v[min(len(v) - 1, int(p * len(v)))] if v else float("nan")
    print(f"{len(docs)} documents, {len(sims) + bad} truth rows, {bad} bad")
    print(f"word similarity of source and copy: min {q(sims, 0):.3f}, 1% {q(sims, 0.01):.3f}, "
          f"median {q(sims, 0.5):.3f}")
    rates.sort()
    print(f"edit rate: median {q(rates, 0.5):.4f}, max {q(rates, 1):.4f}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
