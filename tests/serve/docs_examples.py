"""docs_examples.py: run the curl examples of docs/serve.md against a live server, so that the
documentation cannot drift from what the server answers.
    python3 docs_examples.py IBID [--print]
Each ```sh block with a curl command is run (the address replaced by the live server's) in a
folder holding what the document describes: news.db with news.jsonl (the seed 000 as
"nbc-0706"), story.txt (the seed 002), more.jsonl (002 as "almasdar-0707") and token.txt. Its
output must match the ```json block that follows: the same fields and values, a string ending in
"..." matching as a prefix. --print shows each actual answer instead (to update the document
after a reviewed change)."""
import glob
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_util import Checks, Server, tempdir  # noqa: E402

ibid = os.path.abspath(sys.argv[1])
show = "--print" in sys.argv
src = os.environ.get("IBID_SRC", os.path.join(os.path.dirname(__file__), "../.."))
shared = os.environ.get("IBID_SHARED", os.path.join(src, "../shared"))
seeds = os.path.join(shared, "seeds")
t = Checks()


def same(want, got, where):
    """Whether `got` matches `want`; says where it does not."""
    if isinstance(want, str) and want.endswith("...") and isinstance(got, str):
        ok = got.startswith(want[:-3])
    elif isinstance(want, dict) and isinstance(got, dict):
        ok = want.keys() == got.keys() and all(same(want[k], got[k], where + "." + k) for k in want)
    elif isinstance(want, list) and isinstance(got, list):
        ok = len(want) == len(got) and all(same(w, g, where + "[]") for w, g in zip(want, got))
    else:
        ok = want == got and type(want) == type(got)
    if not ok:
        print("  differs at %s: doc %s, server %s" % (where or ".", json.dumps(want)[:200],
                                                     json.dumps(got)[:200]))
    return ok


doc = open(os.path.join(src, "docs/serve.md"), encoding="utf-8").read()
blocks = re.findall(r"```(\w+)\n(.*?)```", doc, re.S)
text000 = open(glob.glob(os.path.join(seeds, "000_*.txt"))[0], encoding="utf-8").read()
text002 = open(glob.glob(os.path.join(seeds, "002_*.txt"))[0], encoding="utf-8").read()
with tempdir() as d:
    with open(os.path.join(d, "news.jsonl"), "w") as f:
        f.write(json.dumps({"id": "nbc-0706", "date": "2023-07-06", "title": "NBC report",
                            "text": text000}) + "\n")
    with open(os.path.join(d, "more.jsonl"), "w") as f:
        f.write(json.dumps({"id": "almasdar-0707", "date": "2023-07-07", "text": text002}) + "\n")
    with open(os.path.join(d, "story.txt"), "w") as f:
        f.write(text002)
    with open(os.path.join(d, "token.txt"), "w") as f:
        f.write("docs-example-token-0123456789\n")
    os.chmod(os.path.join(d, "token.txt"), 0o600)
    subprocess.run([ibid, "add", "-q", "--db", os.path.join(d, "news.db"),
                    os.path.join(d, "news.jsonl")], check=True)
    s = Server(ibid, os.path.join(d, "news.db"), "--token-file", os.path.join(d, "token.txt"))
    n_run = 0
    for i, (lang, body) in enumerate(blocks):
        if lang != "sh" or not body.lstrip().startswith("curl"):
            continue
        cmd = body.strip().replace("http://127.0.0.1:8080", s.url)
        out = subprocess.run(["sh", "-c", cmd], cwd=d, capture_output=True, text=True).stdout
        n_run += 1
        if show:
            print(body.strip())
            print(out)
            continue
        nxt = blocks[i + 1] if i + 1 < len(blocks) else ("", "")
        t.check(nxt[0] == "json", "example %d is followed by its answer" % n_run)
        try:
            got = json.loads(out)
        except ValueError:
            got = None
        t.check(got is not None and same(json.loads(nxt[1]), got, ""),
                "example %d: %s" % (n_run, body.strip()[:100]))
    s.stop()
t.check(n_run >= 10, "the document's examples were found and run: %d" % n_run)
t.done()
