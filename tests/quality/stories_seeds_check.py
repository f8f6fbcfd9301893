"""Check ibid stories, show and report on the seed pair: see stories_seeds.sh."""
import json
import os
import re
import subprocess
import sys
import tempfile

ibid, seeds, view_js = sys.argv[1:4]
A, B = "000_cca7eab34c167e96.txt", "002_255bec973b629688.txt"
blog = open(os.path.join(seeds, A), encoding="utf-8").read()
rewrite = open(os.path.join(seeds, B), encoding="utf-8").read()
fail = []


def run(*args, cwd=seeds, stdin=None):
    r = subprocess.run([ibid, *args], cwd=cwd, input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"ibid {' '.join(args)} failed ({r.returncode}): {r.stderr}")
    return r.stdout


# the nine NBC paragraphs in the blog, and their rewrite in 002 (up to "organized effort")
nbc_beg = blog.index("A group of former senior")
nbc_end = blog.index("nor whether they are part of a single, organized effort") + 55
paragraphs, pos = [], nbc_beg
for line in blog[nbc_beg:nbc_end].split("\n"):
    paragraphs.append((pos, pos + len(line)))
    pos += len(line) + 1
assert len(paragraphs) == 9
rw_end = rewrite.index("single organized effort") + len("single organized effort")
only_002 = rewrite.index("As part of the effort")


def coverage(spans, beg, end):
    got = sum(max(0, min(end, e) - max(beg, b)) for b, e in spans)
    return got / (end - beg)


# 1. stories: one story, first witness by id, then by date either way
stories = [json.loads(x) for x in run("stories", "-q", "--mode", "all", "--format", "jsonl", A, B).splitlines()]
if len(stories) != 1 or stories[0]["n_docs"] != 2 or stories[0]["first"] != A:
    fail.append(f"by id: expected one story of 2 with {A} first, got {stories}")
for d_blog, d_rw, first in (("2023-07-07T09:00:00-04:00", "2023-07-08", A),
                            ("2023-07-07T09:00:00-04:00", "2023-07-06T23:00:00Z", B)):
    lines = "".join(json.dumps({"id": i, "text": t, "date": d}) + "\n"
                    for i, t, d in ((A, blog, d_blog), (B, rewrite, d_rw)))
    got = [json.loads(x) for x in run("stories", "-q", "--mode", "all", "--format", "jsonl", "-",
                                      stdin=lines).splitlines()]
    if len(got) != 1 or got[0]["first"] != first:
        fail.append(f"dated {d_blog} / {d_rw}: expected {first} first, got {got}")
    else:
        print(f"dated {A} {d_blog}, {B} {d_rw}: first witness {got[0]['first']}")

# 2. show: the marked spans of 002, found again by removing the markers
shown = run("show", "-q", "--mode", "all", "--color=never", "--id", B, A, B)
body = shown.split("\n\n", 1)[1]
spans, plain, cp, open_at = [], [], 0, None
for tok in re.split(r"(\[\d+>|<\d+\]|\[B>|<B\])", body):
    if re.fullmatch(r"\[\d+>", tok):
        open_at = cp
    elif re.fullmatch(r"<\d+\]", tok):
        spans.append((open_at, cp))
    elif tok in ("[B>", "<B]"):
        fail.append("a boilerplate span in the seeds")
    else:
        plain.append(tok)
        cp += len(tok)
if "".join(plain).rstrip("\n") != rewrite.rstrip("\n"):
    fail.append("show's text without its markers is not the document")
c = coverage(spans, 0, rw_end)
print(f"show {B}: {c:.0%} of the nine rewritten paragraphs marked from [1] = {A}")
if "  [1] " + A not in shown:
    fail.append(f"show does not name {A} as source [1]")
if c < 0.95:
    fail.append(f"show marks only {c:.0%} of the rewritten paragraphs")
if any(e > only_002 for b, e in spans):
    fail.append("show marks text that only 002 has")

# 3. the report, side by side: the nine paragraphs highlighted in 000, their rewrite in 002
with tempfile.TemporaryDirectory() as tmp:
    page = os.path.join(tmp, "r.html")
    run("report", "-q", "--mode", "all", "-o", page, A, B)
    html = open(page, encoding="utf-8").read()
    if re.search(r"<(script|link|img|iframe)[^>]*\bsrc=|https?://", html):
        fail.append("the report refers to something outside itself")
    v = json.loads(subprocess.run(["node", view_js, page, A, B], check=True, capture_output=True,
                                  text=True).stdout)
for side, text in (("a", blog), ("b", rewrite)):
    if "".join(t for t, _ in v[side]) != text:
        fail.append(f"the report's side {side} is not the document's text")
marks = {}
for side in "ab":
    pos, marks[side] = 0, []
    for t, hl in v[side]:
        if hl:
            marks[side].append((pos, pos + len(t)))
        pos += len(t)
for i, (b, e) in enumerate(paragraphs, 1):
    c = coverage(marks["a"], b, e)
    print(f"report: NBC paragraph {i} {c:.0%} highlighted in {A}")
    if c < 0.9:
        fail.append(f"report: NBC paragraph {i} only {c:.0%} highlighted")
c = coverage(marks["b"], 0, rw_end)
print(f"report: {c:.0%} of their rewrite highlighted in {B}")
if c < 0.95:
    fail.append(f"report highlights only {c:.0%} of the rewrite")
for f in fail:
    print("FAIL", f)
sys.exit(1 if fail else 0)
