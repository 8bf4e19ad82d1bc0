#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every variant of the Beast-style file server answers the same requests the same way.

    check.py SERVER...        (each takes Beast's command line: ADDRESS PORT DOC_ROOT THREADS)

For each request: the status, Content-Type, Content-Length and body must be what Beast's
http_server_async gives, and equal across the servers; several requests share one keep-alive
connection; HEAD has the length and no body; ".." in the target is refused with 400.
Prints "all checks passed" or one "FAIL ..." line per difference.
"""
import os
import socket
import subprocess
import sys
import tempfile
import time

servers = sys.argv[1:]
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL " + msg, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class conn:
    """A raw HTTP/1.1 connection: sends heads as written (no normalisation of the target)."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def _more(self):
        d = self.s.recv(65536)
        if not d:
            raise EOFError("connection closed")
        self.buf += d

    def request(self, method, target, extra=""):
        head = "%s %s HTTP/1.1\r\nHost: localhost\r\n%s\r\n" % (method, target, extra)
        self.s.sendall(head.encode())
        while b"\r\n\r\n" not in self.buf:
            self._more()
        raw, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        fields = {}
        for line in lines[1:]:
            k, v = line.split(":", 1)
            fields[k.strip().lower()] = v.strip()
        n = int(fields.get("content-length", "0")) if method != "HEAD" else 0
        if "transfer-encoding" in fields:
            fail("%s %s: chunked response, expected Content-Length" % (method, target))
        while len(self.buf) < n:
            self._more()
        body, self.buf = self.buf[:n], self.buf[n:]
        return status, fields.get("content-type"), fields.get("content-length"), body

    def closed_by_peer(self):
        try:
            self.s.settimeout(5)
            return self.s.recv(1) == b""
        except (ConnectionResetError, socket.timeout):
            return False

    def close(self):
        self.s.close()


def make_root(d):
    files = {
        "index.html": b"<h1>home</h1>\n",
        "a.txt": b"plain text\n",
        "style.CSS": b"body{}\n",
        "img.png": bytes(range(256)) * 4,
        "big.bin": os.urandom(3 * 1024 * 1024 + 17),
        "sub/index.html": b"<p>sub</p>\n",
        "sub/noext": b"no extension",
    }
    for name, data in files.items():
        p = os.path.join(d, name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
    with open(os.path.join(d, "..", "secret.txt"), "wb") as f:
        f.write(b"outside the root\n")
    return files


def expect(files):
    """(method, target) -> (status, content type, body) as Beast's example answers."""
    def ok(name, ctype):
        return (200, ctype, files[name])
    nf = lambda t: (404, "text/html", ("The resource '%s' was not found." % t).encode())
    bad = (400, "text/html", b"Illegal request-target")
    return [
        (("GET", "/"), ok("index.html", "text/html")),
        (("GET", "/index.html"), ok("index.html", "text/html")),
        (("GET", "/a.txt"), ok("a.txt", "text/plain")),
        (("GET", "/style.CSS"), ok("style.CSS", "text/css")),
        (("GET", "/img.png"), ok("img.png", "image/png")),
        (("GET", "/big.bin"), ok("big.bin", "application/text")),
        (("GET", "/sub/"), ok("sub/index.html", "text/html")),
        (("GET", "/sub/noext"), ok("sub/noext", "application/text")),
        (("HEAD", "/big.bin"), (200, "application/text", b"")),
        (("GET", "/missing.txt"), nf("/missing.txt")),
        (("GET", "/../secret.txt"), bad),
        (("GET", "/sub/../../secret.txt"), bad),
        (("GET", "/a.txt/.."), bad),
        (("DELETE", "/a.txt"), (400, "text/html", b"Unknown HTTP-method")),
        (("GET", "/big.bin"), ok("big.bin", "application/text")),  # still the same connection
    ]


def check(server, files, root):
    port = free_port()
    p = subprocess.Popen([server, "127.0.0.1", str(port), root, "2"], stdout=subprocess.DEVNULL)
    name = os.path.basename(server)
    answers = []
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                time.sleep(0.05)
        c = conn(port)
        for (method, target), (status, ctype, body) in expect(files):
            got = c.request(method, target)
            answers.append(got)
            gs, gt, gl, gb = got
            if gs != status or gt != ctype or gb != body:
                fail("%s: %s %s -> %s %s (%d bytes), expected %s %s (%d bytes)"
                     % (name, method, target, gs, gt, len(gb), status, ctype, len(body)))
            want_len = len(files["big.bin"]) if (method, target) == ("HEAD", "/big.bin") else len(body)
            if gl != str(want_len):
                fail("%s: %s %s: Content-Length %s, expected %d" % (name, method, target, gl, want_len))
        # Connection: close is honoured: the answer, then the server closes.
        got = c.request("GET", "/a.txt", "Connection: close\r\n")
        if got[0] != 200 or got[3] != files["a.txt"]:
            fail("%s: GET with Connection: close -> %s" % (name, got[0]))
        if not c.closed_by_peer():
            fail("%s: the connection stayed open after Connection: close" % name)
        c.close()
    except Exception as e:  # noqa: BLE001 - any failure is reported, the other servers still run
        fail("%s: %r" % (name, e))
    finally:
        p.terminate()
        p.wait()
    return answers


with tempfile.TemporaryDirectory() as top:
    root = os.path.join(top, "root")
    os.makedirs(root)
    files = make_root(root)
    results = {s: check(s, files, root) for s in servers}
    first = servers[0]
    for s in servers[1:]:
        for i, (a, b) in enumerate(zip(results[first], results[s])):
            if (a[0], a[1], a[3]) != (b[0], b[1], b[3]):
                fail("%s and %s differ on request %d" % (os.path.basename(first), os.path.basename(s), i))
    print("%d servers compared" % len(servers))
if not failures:
    print("all checks passed")
sys.exit(1 if failures else 0)
