"""Check ibid's passages on the seed pair: see seeds.sh."""
import json
import sys

seeds, out = sys.argv[1], sys.argv[2]
# --paragraphs: also each NBC paragraph must be aligned to its own rewrite in 002 by one passage
# covering most of both (the sentence layer's test)
by_paragraph = "--paragraphs" in sys.argv[3:]
blog = open(f"{seeds}/000_cca7eab34c167e96.txt", encoding="utf-8").read()
rewrite = open(f"{seeds}/002_255bec973b629688.txt", encoding="utf-8").read()
passages = [json.loads(line) for line in open(out, encoding="utf-8")]
fail = []
for p in passages:
    if (p["id1"], p["id2"]) != ("000_cca7eab34c167e96.txt", "002_255bec973b629688.txt"):
        fail.append(f"unexpected pair {p['id1']} {p['id2']}")
    if blog[p["begin1"]:p["end1"]] != p["text1"] or rewrite[p["begin2"]:p["end2"]] != p["text2"]:
        fail.append("text1/text2 are not the slices their offsets name")

nbc_beg = blog.index("A group of former senior")
nbc_end = blog.index("nor whether they are part of a single, organized effort") + 55
only_002 = rewrite.index("As part of the effort")
paragraphs = []
pos = nbc_beg
for line in blog[nbc_beg:nbc_end].split("\n"):
    paragraphs.append((pos, pos + len(line)))
    pos += len(line) + 1
if len(paragraphs) != 9:
    fail.append(f"expected nine NBC paragraphs, found {len(paragraphs)}")


def covered(beg, end, side):
    spans = sorted((p[f"begin{side}"], p[f"end{side}"]) for p in passages)
    n = 0
    for b, e in spans:
        n += max(0, min(end, e) - max(beg, b))
    return n / (end - beg)


for i, (b, e) in enumerate(paragraphs, 1):
    c = covered(b, e, 1)
    print(f"NBC paragraph {i}: {c:.0%} aligned")
    if c < 0.9:
        fail.append(f"NBC paragraph {i} ({blog[b:b + 40]!r}...) only {c:.0%} aligned")
for p in passages:
    if p["begin1"] < nbc_beg:
        fail.append(f"passage reaches into the blog's commentary: {p['text1'][:60]!r}")
    if p["end1"] > nbc_end + 3:
        fail.append(f"passage reaches past the NBC report: {blog[nbc_end:p['end1']]!r}")
    if p["end2"] > only_002:
        fail.append(f"passage reaches into what only 002 has: {rewrite[only_002:p['end2']][:60]!r}")
# the nine paragraphs' counterparts in 002 (it rewrote them in order) must be aligned too
c2 = covered(0, rewrite.index("And she added"), 2)
print(f"002 counterparts of paragraphs 1-8: {c2:.0%} aligned")
if c2 < 0.9:
    fail.append(f"only {c2:.0%} of 002's rewritten paragraphs aligned")
if by_paragraph:
    # 002 rewrote the nine paragraphs in order, one line each, before "As part of the effort"
    lines2, pos = [], 0
    for line in rewrite[:only_002].split("\n"):
        if line.strip():
            lines2.append((pos, pos + len(line)))
        pos += len(line) + 1
    if len(lines2) != 9:
        fail.append(f"expected nine rewritten paragraphs in 002, found {len(lines2)}")

    def share(b, e, pb, pe):
        return max(0, min(e, pe) - max(b, pb)) / (e - b)

    for i, ((b1, e1), (b2, e2)) in enumerate(zip(paragraphs, lines2), 1):
        best = max((min(share(b1, e1, p["begin1"], p["end1"]), share(b2, e2, p["begin2"], p["end2"]))
                    for p in passages), default=0)
        print(f"paragraph {i} and its rewrite: {best:.0%} of both in one passage")
        if best < 0.6:
            fail.append(f"paragraph {i} is not aligned to its rewrite ({best:.0%})")
for f in fail:
    print("FAIL", f)
sys.exit(1 if fail else 0)
