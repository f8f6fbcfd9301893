"""hammer.py: many readers at once while one writer adds, and no corrupt answer.
    python3 hammer.py IBID [--seed N]
A store of 40 generated documents is served; 8 reader threads send 40 requests each (a query
whose source is known, a known document, the health counts, the stories) while one writer
posts 12 batches of 5 new documents, each copying a passage of a stored one. Every answer must
be 200 and well-formed JSON with the right content: the query finds its source with the same
offsets every time, a document comes back whole, the counts never go down and never pass the
final count, and after the writer the store holds every document posted, each findable. Bounded
by count, not time."""
import json
import os
import random
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_util import Checks, Server, make_store, quote, tempdir, words  # noqa: E402

ibid = sys.argv[1]
seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else random.randrange(1 << 30)
print("seed", seed)
rng = random.Random(seed)
t = Checks()
lock = threading.Lock()

base = [{"id": "d%02d" % i, "text": " ".join(words(rng, 300)), "date": "2024-01-%02d" % (i % 28 + 1)}
        for i in range(40)]
probe = base[7]["text"].split()
query = " ".join(words(rng, 30) + probe[40:240] + words(rng, 30))
batches = []
for b in range(12):
    batch = []
    for k in range(5):
        src = rng.choice(base)["text"].split()
        i = rng.randrange(0, 100)
        batch.append({"id": "new%02d_%d" % (b, k),
                      "text": " ".join(words(rng, 60) + src[i:i + 120] + words(rng, 60))})
    batches.append(batch)
token = "hammer-token-0123456789abcdef"
H = {"Authorization": "Bearer " + token}
N_FINAL = len(base) + sum(len(b) for b in batches)


def reader(s, r_seed, expect):
    r = random.Random(r_seed)
    last_count = 0
    for _ in range(40):
        kind = r.choice(["query", "document", "health", "stories"])
        try:
            if kind == "query":
                st, j = s.json("POST", "/api/query", query)
                got = [(x["id"], [(p["begin1"], p["end1"], p["begin2"], p["end2"])
                                  for p in x["passages"]]) for x in j["sources"] if x["id"] == "d07"]
                ok = st == 200 and got == expect
            elif kind == "document":
                d = r.choice(base)
                st, j = s.json("GET", "/api/documents/" + quote(d["id"]))
                ok = st == 200 and j["text"] == d["text"] and j["id"] == d["id"]
            elif kind == "health":
                st, j = s.json("GET", "/api/health")
                n = j["documents"]
                ok = st == 200 and last_count <= n <= N_FINAL
                last_count = n
            else:
                st, j = s.json("GET", "/api/stories?limit=5")
                ok = st == 200 and isinstance(j["stories"], list) and j["n_stories"] >= 0
        except Exception as e:  # a broken answer: not JSON, a closed connection
            ok, j = False, repr(e)
        with lock:
            t.check(ok, "reader %s: %s" % (kind, str(j)[:300]))


def writer(s):
    for b in batches:
        body = "".join(json.dumps(d) + "\n" for d in b)
        st, j = s.json("POST", "/api/documents", body, H)
        with lock:
            t.check(st == 201 and j["added"] == len(b), "writer: %d %r" % (st, j))


with tempdir() as d:
    db = make_store(ibid, d, base)
    tok = os.path.join(d, "token")
    with open(tok, "w") as f:
        f.write(token + "\n")
    os.chmod(tok, 0o600)
    # the default limit: with 16, connections just finished but not yet cleaned up by
    # libmicrohttpd counted against it under load, and a reader was refused (a reset)
    s = Server(ibid, db, "--token-file", tok, "--connections", "64")
    st, j = s.json("POST", "/api/query", query)
    expect = [(x["id"], [(p["begin1"], p["end1"], p["begin2"], p["end2"]) for p in x["passages"]])
              for x in j["sources"] if x["id"] == "d07"]
    t.check(st == 200 and expect and expect[0][1], "the probe query finds d07: %r" % expect)
    threads = [threading.Thread(target=writer, args=(s,))]
    threads += [threading.Thread(target=reader, args=(s, seed + i, expect)) for i in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    st, j = s.json("GET", "/api/health")
    t.check(j["documents"] == N_FINAL, "every posted document is stored: %r" % j)
    for b in batches:
        for doc in b:
            st, j = s.json("GET", "/api/documents/" + quote(doc["id"]))
            t.check(st == 200 and j["text"] == doc["text"] and j["n_others"] >= 1,
                    "%s stored whole, with its passage: %d" % (doc["id"], st))
    s.stop()
t.done()
