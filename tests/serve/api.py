"""api.py: every endpoint of ibid serve and every error path, over loopback.
    python3 api.py IBID [--seed N]
Builds a store of generated documents (seeded: the seed is printed), starts ibid serve on free
ports with various flags, and checks statuses, fields and offsets (code points: a passage's
offsets cut the same words out of the query and the source)."""
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_util import Checks, Server, make_store, quote, tempdir, words  # noqa: E402

ibid = sys.argv[1]
seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else random.randrange(1 << 30)
print("seed", seed)
rng = random.Random(seed)
t = Checks()

UNI = ["zürich", "café", "naïve", "東京", "straße", "ünïcode"]


def text(ws):
    return " ".join(ws)


a = words(rng, 400)
for i in range(0, 400, 37):
    a[i] = rng.choice(UNI)
docs = [
    {"id": "news/a", "text": text(a), "date": "2024-01-01", "title": "Story A", "source": "wire"},
    {"id": "b", "text": text(words(rng, 100) + a[50:300] + words(rng, 100)), "date": "2024-01-02",
     "title": "Story B"},
    {"id": "c", "text": text(words(rng, 300)), "date": "2024-01-03"},
]
query = text(words(rng, 50) + a[60:260] + words(rng, 50))
token = "s3cret-token-for-tests-0123456789"
H = {"Authorization": "Bearer " + token}
J = {"Content-Type": "application/json"}

with tempdir() as d:
    db = make_store(ibid, d, docs)
    tok = os.path.join(d, "token")
    with open(tok, "w") as f:
        f.write(token + "\n")
    os.chmod(tok, 0o600)
    s = Server(ibid, db, "--token-file", tok, "--max-text", "20000", "--max-body", "100000",
               "--connections", "8")

    # --- health and the page
    st, j = s.json("GET", "/api/health")
    t.check(st == 200 and j["status"] == "ok" and j["documents"] == 3 and j["writable"] is True
            and j["private"] is False and j["limits"]["max_text"] == 20000, "health: %r" % j)
    for path, ctype in [("/", "text/html"), ("/index.html", "text/html"),
                        ("/app.js", "text/javascript"), ("/style.css", "text/css")]:
        st, h, body = s.request("GET", path)
        t.check(st == 200 and h["content-type"].startswith(ctype) and len(body) > 100,
                "page %s: %d %s" % (path, st, h.get("content-type")))
        t.check("default-src 'none'" in h.get("content-security-policy", ""), "CSP on " + path)
        t.check(h.get("x-content-type-options") == "nosniff", "nosniff on " + path)
    st, h, body = s.request("GET", "/")
    t.check(b"/app.js" in body and b"http" not in body.replace(b"http-equiv", b""),
            "the page loads its script from the server, nothing from elsewhere")

    # --- routes and methods
    for path in ["/nope", "/api", "/api/", "/api/nope", "/api/documents/", "/api/stories/",
                 "/../etc/passwd", "/web/app.js", "/api/health/x"]:
        st, j = s.json("GET", path)
        t.check(st == 404 and j["error"]["status"] == 404 and j["error"]["message"],
                "404 for %s: %d %r" % (path, st, j))
    for method, path, allow in [("POST", "/api/health", "GET"), ("GET", "/api/query", "POST"),
                                ("GET", "/api/documents", "POST"),
                                ("DELETE", "/api/documents/b", "GET"),
                                ("PUT", "/api/stories", "GET"), ("POST", "/", "GET")]:
        st, h, body = s.request(method, path)
        j = json.loads(body)
        t.check(st == 405 and h.get("allow") == allow and j["error"]["status"] == 405,
                "405 for %s %s: %d %r" % (method, path, st, h.get("allow")))

    # --- POST /api/query
    st, j = s.json("POST", "/api/query", query, {"Content-Type": "text/plain"})
    t.check(st == 200 and j["id"] == "query" and j["n_sources"] == 2 and not j["truncated"],
            "query (plain text): %d %r" % (st, {k: j.get(k) for k in ("id", "n_sources")}))
    ids = [x["id"] for x in j.get("sources", [])]
    t.check(sorted(ids) == ["b", "news/a"], "query sources: %r" % ids)
    t.check(j["n_cp"] == len(query) and 0 < j["reused"] <= 1, "query n_cp and reused")
    st, j = s.json("POST", "/api/query",
                   json.dumps({"text": query, "id": "mine", "with_text": True, "date": "2024-02-01",
                               "title": "Q"}), J)
    t.check(st == 200 and j["id"] == "mine" and j["meta"] == {"date": "2024-02-01", "title": "Q"},
            "query (JSON) keeps id and metadata: %r" % j.get("meta"))
    for src in j["sources"]:
        doc = next(x for x in docs if x["id"] == src["id"])
        t.check(src["text"] == doc["text"] and src["n_cp"] == len(doc["text"]),
                "with_text gives %s's text" % src["id"])
        t.check(src["meta"].get("date") == doc["date"], "source metadata of " + src["id"])
        for p in src["passages"]:
            q_cut = query[p["begin1"]:p["end1"]]
            s_cut = doc["text"][p["begin2"]:p["end2"]]
            t.check(q_cut == s_cut and len(q_cut.split()) >= 15,
                    "passage offsets are code points: %r / %r" % (q_cut[:40], s_cut[:40]))
            t.check(p["kind"] == "verbatim" and 0 < p["identity"] <= 1, "passage fields")
    covered = set()
    for src in j["sources"]:
        for p in src["passages"]:
            covered.update(range(p["begin1"], p["end1"]))
    t.check(j["reused_cp"] == len(covered), "reused_cp is the union of the passages")
    shares = [x["share"] for x in j["sources"]]
    t.check(shares == sorted(shares, reverse=True), "sources ranked by share")
    st, j = s.json("POST", "/api/query", text(words(random.Random(seed + 1), 200)))
    t.check(st == 200 and j["sources"] == [] and j["reused"] == 0, "a text reusing nothing")

    bad_queries = [
        ('{"text": ', J, 400, "not valid JSON"),
        ('["a"]', J, 400, "JSON object"),
        ('{"id": "x"}', J, 400, "\"text\" field is missing"),
        ('{"text": 5}', J, 400, "not a string"),
        ('{"text": "a b c", "id": 5}', J, 400, "\"id\""),
        ('{"text": "a b c", "with_text": "yes"}', J, 400, "with_text"),
        ('{"text": "a", "text": "b"}', J, 400, "duplicate"),
        ('{"text": ""}', J, 400, "empty"),
        ("", {}, 400, "empty"),
        (b"caf\xc3 au lait", {}, 400, "invalid UTF-8"),
        (b'{"text": "caf\xc3 au lait"}', J, 400, "UTF-8"),
        ("x" * 20001, {}, 413, "--max-text"),
        (json.dumps({"text": "x" * 20001}), J, 413, "--max-text"),
        ("x" * 100001, {}, 413, "--max-body"),
    ]
    for body, hdr, want, needle in bad_queries:
        st, j = s.json("POST", "/api/query", body, hdr)
        msg = j.get("error", {}).get("message", "")
        t.check(st == want and j["error"]["status"] == want and needle in msg,
                "bad query %r: %d %r" % (body[:30], st, msg))
    # a body over the limit without a declared length (chunked) is refused too
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
    c.request("POST", "/api/query", body=iter([b"y" * 60000, b"y" * 60000]),
              encode_chunked=True, headers={"Transfer-Encoding": "chunked"})
    r = c.getresponse()
    t.check(r.status == 413 and b"--max-body" in r.read(), "chunked body over --max-body: 413")
    c.close()

    # --- GET /api/documents/{id}
    st, j = s.json("GET", "/api/documents/" + quote("news/a"))
    t.check(st == 200 and j["id"] == "news/a" and j["text"] == docs[0]["text"] and
            j["meta"]["title"] == "Story A" and j["n_cp"] == len(docs[0]["text"]),
            "document news/a: %d" % st)
    t.check(j["n_others"] == 1 and all(p["other"] == "b" for p in j["passages"]) and
            j["passages"], "news/a shares passages with b")
    for p in j["passages"]:
        t.check(docs[0]["text"][p["begin"]:p["end"]] ==
                docs[1]["text"][p["other_begin"]:p["other_end"]], "document passage offsets")
    st, j = s.json("GET", "/api/documents/c")
    t.check(st == 200 and j["passages"] == [] and j["shared"] == 0, "document c shares nothing")
    for path, want in [("/api/documents/nope", 404), ("/api/documents/%FF", 400),
                       ("/api/documents/news", 404)]:
        st, j = s.json("GET", path)
        t.check(st == want and j["error"]["status"] == want, "%s: %d" % (path, st))

    # --- POST /api/documents
    new = {"id": "dir/é x.txt", "text": text(a[100:300] + words(rng, 50)), "date": "2024-01-05"}
    line = json.dumps(new)
    st, h, body = s.request("POST", "/api/documents", line)
    t.check(st == 401 and h.get("www-authenticate") == "Bearer" and b"needs a token" in body,
            "a write without a token: %d" % st)
    st, j = s.json("POST", "/api/documents", line, {"Authorization": "Bearer wrong"})
    t.check(st == 401 and "wrong token" in j["error"]["message"], "a wrong token: %d" % st)
    st, j = s.json("POST", "/api/documents", line, {"Authorization": "Bearer " + token + "x"})
    t.check(st == 401, "a token with one more character: %d" % st)
    st, j = s.json("POST", "/api/documents", line, {"Authorization": token})
    t.check(st == 401, "a token without 'Bearer': %d" % st)
    st, j = s.json("POST", "/api/documents", line, H)
    t.check(st == 201 and j["added"] == 1 and j["present"] == 0 and j["passages"] >= 1 and
            j["ids"] == [new["id"]], "add one document: %d %r" % (st, j))
    st, j = s.json("POST", "/api/documents", line, H)
    t.check(st == 200 and j["added"] == 0 and j["present"] == 1, "adding it again: %r" % j)
    st, j = s.json("GET", "/api/documents/" + quote(new["id"]))
    t.check(st == 200 and j["text"] == new["text"] and j["n_others"] >= 1,
            "the added document, by an id with '/', a space and an accent: %d" % st)
    pretty = json.dumps({"id": "p", "text": text(words(rng, 60))}, indent=2)
    st, j = s.json("POST", "/api/documents", pretty, H)
    t.check(st == 201 and j["added"] == 1, "one pretty-printed object: %d %r" % (st, j))
    batch = "\n".join(json.dumps({"id": "batch%d" % i, "text": text(words(rng, 80))})
                      for i in range(3)) + "\n"
    st, j = s.json("POST", "/api/documents", batch, {**H, "Content-Type": "application/x-ndjson"})
    t.check(st == 201 and j["added"] == 3 and j["received"] == 3, "a JSON Lines batch: %r" % j)
    bad_docs = [
        ('{"id": "x1", "text": "a b"}\n{"id": "x2", "text": ', 400, "line 2"),
        ('{"id": "x3"}', 400, "line 1"),
        ('{"text": "no id"}', 400, "line 1"),
        ('{"id": "x4", "text": "a"}\n{"id": "x4", "text": "b"}', 400, "line 2"),
        (b'{"id": "x5", "text": "caf\xc3 au lait"}', 400, "line 1"),
        ("", 400, "empty"),
        ("\n\n", 400, "no document"),
        (json.dumps({"id": "x6", "text": "y" * 20001}), 413, "line 1"),
        ("z" * 100001, 413, "--max-body"),
    ]
    for body, want, needle in bad_docs:
        st, j = s.json("POST", "/api/documents", body, H)
        msg = j.get("error", {}).get("message", "")
        t.check(st == want and needle in msg, "bad documents %r: %d %r" % (body[:30], st, msg))
    st, j = s.json("GET", "/api/health")
    t.check(j["documents"] == 3 + 1 + 1 + 3, "nothing of a refused batch was stored: %r" % j)

    # --- GET /api/stories, /api/stories/{n}
    st, j = s.json("GET", "/api/stories")
    t.check(st == 200 and j["n_stories"] >= 1 and j["offset"] == 0 and j["limit"] == 100,
            "stories: %r" % {k: j.get(k) for k in ("n_stories", "offset", "limit")})
    first = j["stories"][0]
    t.check(first["story"] == 1 and first["first"] == "news/a" and first["n_docs"] == 3,
            "story 1 begins with its first witness: %r" % first)
    st, j = s.json("GET", "/api/stories/1")
    wit = [w["id"] for w in j.get("witnesses", [])]
    t.check(st == 200 and wit == ["news/a", "b", "dir/é x.txt"], "story 1 witnesses: %r" % wit)
    t.check(j["passages"] and all({"id1", "id2", "begin1", "end2", "kind"} <= set(p)
                                  for p in j["passages"]), "story 1 passages")
    st, j = s.json("GET", "/api/stories?offset=1&limit=1")
    t.check(st == 200 and j["offset"] == 1 and len(j["stories"]) <= 1, "stories page")
    for path, want in [("/api/stories?limit=101", 400), ("/api/stories?offset=-1", 400),
                       ("/api/stories?limit=x", 400), ("/api/stories/0", 400),
                       ("/api/stories/abc", 400), ("/api/stories/1x", 400),
                       ("/api/stories/999", 404)]:
        st, j = s.json("GET", path)
        t.check(st == want and j["error"]["status"] == want, "%s: %d" % (path, st))
    s.stop()

    # --- no token file: no writes; --max-results
    s = Server(ibid, db, "--max-results", "1")
    st, j = s.json("POST", "/api/documents", line, H)
    t.check(st == 403 and "--token-file" in j["error"]["message"], "writes off: %d" % st)
    st, j = s.json("GET", "/api/health")
    t.check(j["writable"] is False, "health says writes are off")
    st, j = s.json("POST", "/api/query", query)
    t.check(st == 200 and len(j["sources"]) == 1 and j["n_sources"] >= 2 and j["truncated"],
            "--max-results 1: %r" % {k: j.get(k) for k in ("n_sources", "truncated")})
    st, j = s.json("GET", "/api/stories?limit=2")
    t.check(st == 400, "limit above --max-results: %d" % st)
    s.stop()

    # --- --private: reads need the token, the page does not
    s = Server(ibid, db, "--token-file", tok, "--private")
    for method, path, body in [("GET", "/api/health", None), ("POST", "/api/query", query),
                               ("GET", "/api/documents/b", None), ("GET", "/api/stories", None),
                               ("GET", "/api/stories/1", None)]:
        st, j = s.json(method, path, body)
        t.check(st == 401, "--private: %s %s without a token: %d" % (method, path, st))
        st, j = s.json(method, path, body, H)
        t.check(st == 200, "--private: %s %s with the token: %d" % (method, path, st))
    st, h, body = s.request("GET", "/")
    t.check(st == 200, "--private: the page itself needs no token")
    s.stop()

    # --- --create: a new store, written to through the API
    new_db = os.path.join(d, "new.db")
    s = Server(ibid, new_db, "--token-file", tok, "--create")
    st, j = s.json("GET", "/api/health")
    t.check(st == 200 and j["documents"] == 0 and j["writable"], "--create: an empty store")
    st, j = s.json("POST", "/api/query", query)
    t.check(st == 200 and j["sources"] == [] and j["n_candidates"] == 0, "a query of an empty store")
    st, j = s.json("GET", "/api/stories")
    t.check(st == 200 and j["n_stories"] == 0, "no stories in an empty store")
    st, j = s.json("POST", "/api/documents", "".join(json.dumps(x) + "\n" for x in docs), H)
    t.check(st == 201 and j["added"] == 3, "--create: documents added: %r" % j)
    st, j = s.json("POST", "/api/query", query)
    t.check(st == 200 and j["n_sources"] == 2, "the new store answers queries")
    s.stop()

t.done()
