"""serve_util.py: what the tests of ibid serve share: a store to serve, a server on a free
loopback port, and HTTP requests with urllib (no package needed)."""
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import urllib.parse

WORDS = None


def words(rng, n):
    """n pseudo-words from a fixed vocabulary of 5,000, drawn with `rng`."""
    global WORDS
    if WORDS is None:
        r = random.Random(7)
        WORDS = ["".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(3, 9)))
                 for _ in range(5000)]
    return [rng.choice(WORDS) for _ in range(n)]


def make_store(ibid, folder, docs, extra=()):
    """A store at folder/t.db holding `docs` (dicts with id, text and metadata)."""
    path = os.path.join(folder, "docs.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d) + "\n")
    db = os.path.join(folder, "t.db")
    subprocess.run([ibid, "add", "-q", "--db", db, *extra, path], check=True)
    return db


class Server:
    """ibid serve on 127.0.0.1, a free port; stopped with stop() (SIGTERM, exit 0 expected)."""

    def __init__(self, ibid, db, *args):
        self.proc = subprocess.Popen([ibid, "serve", "--db", db, "--listen", "127.0.0.1:0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if "listening on http://127.0.0.1:" not in line:
            self.proc.kill()
            raise SystemExit("ibid serve did not start: %r %s" % (line, self.proc.stderr.read()))
        self.port = int(line.split("127.0.0.1:")[1].split("/")[0])
        self.url = "http://127.0.0.1:%d" % self.port

    def request(self, method, path, body=None, headers=None):
        """(status, headers dict with lower-case names, body bytes)."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        if isinstance(body, str):
            body = body.encode("utf-8")
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        h = {k.lower(): v for k, v in r.getheaders()}
        c.close()
        return r.status, h, data

    def json(self, method, path, body=None, headers=None):
        """(status, parsed JSON body); the body must be JSON."""
        status, h, data = self.request(method, path, body, headers)
        assert h.get("content-type") == "application/json", (path, h)
        return status, json.loads(data)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=60)
        err = self.proc.stderr.read()
        if rc != 0:
            raise SystemExit("ibid serve exited with %d: %s" % (rc, err))
        return err


def quote(doc_id):
    return urllib.parse.quote(doc_id, safe="")


class Checks:
    """Named checks; a failure is printed and counted, the run goes on."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, cond, what):
        self.n += 1
        if not cond:
            self.failed += 1
            print("FAIL:", what)

    def done(self):
        print("%d checks, %d failed" % (self.n, self.failed))
        sys.exit(1 if self.failed else 0)


def tempdir():
    return tempfile.TemporaryDirectory(prefix="ibid-serve-")
