# SPDX-License-Identifier: MIT
# ctest example.http_proxy: examples/http_proxy.cpp between curl and real upstreams.
#   python3 http_proxy_test.py PATH/TO/http_proxy
# Upstreams: `python3 -m http.server` serving a directory (GET, HEAD, 404, a 32 MiB file), an
# in-process Python server that reports what it received (headers, body size and hash,
# chunked or not), a listener that never answers (504), a port nobody listens on (502), and
# nginx when it is installed (GET, HEAD and 304 through the proxy).
import hashlib
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from example_peer import check, curl, example, finish, free_port, kill, wait_listening  # noqa: E402

BIG = 32 << 20


class reporter(http.server.BaseHTTPRequestHandler):
    """Answers every request with a JSON report of what it received."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data, True
                data += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(n), False

    def answer(self):
        body, chunked = self.read_body()
        report = {
            "method": self.command,
            "path": self.path,
            "headers": [[k.lower(), v] for k, v in self.headers.items()],
            "length": len(body),
            "sha256": hashlib.sha256(body).hexdigest(),
            "chunked": chunked,
        }
        out = json.dumps(report).encode()
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "x-private")  # names a hop-by-hop field
            self.send_header("X-Private", "for the proxy only")
            self.send_header("Keep-Alive", "timeout=5")
            self.end_headers()
            for i in range(0, len(out), 7):
                piece = out[i:i + 7]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = answer


def start_reporter():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), reporter)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def start_silent():
    """A listener that accepts and never answers."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    held = []

    def loop():
        while True:
            try:
                c, _ = s.accept()
            except OSError:
                return
            held.append(c)

    threading.Thread(target=loop, daemon=True).start()
    return s


def headers_of(report):
    out = {}
    for k, v in report["headers"]:
        out.setdefault(k, []).append(v)
    return out


def find_nginx():
    for p in ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"]:
        if os.access(p, os.X_OK):
            return p
    return None


def main():
    binary = sys.argv[1]
    base = tempfile.mkdtemp(prefix="af-http-proxy-")
    procs = []
    try:
        www = os.path.join(base, "www")
        os.makedirs(www)
        with open(os.path.join(www, "hello.txt"), "w") as f:
            f.write("hello through the proxy\n")
        block = bytes(i % 251 for i in range(1 << 20))
        with open(os.path.join(www, "big.bin"), "wb") as f:
            for _ in range(BIG >> 20):
                f.write(block)
        big_sha = hashlib.sha256(block * (BIG >> 20)).hexdigest()

        # python3 -m http.server as the upstream.
        port = free_port()
        py = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", www],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(py)
        check(wait_listening(port), "python3 -m http.server listens")
        proxy = example([binary, "http://127.0.0.1:%d" % port])
        try:
            st, h, body = curl(proxy.url("/hello.txt"))
            check(st == 200 and body == b"hello through the proxy\n", "GET through the proxy from http.server")
            check("1.1 af-proxy" in h.get("via", ""), "the response carries Via: %s" % h.get("via"))
            st, h, body = curl("-I", proxy.url("/hello.txt"))
            check(st == 200 and body == b"" and h.get("content-length") == "24", "HEAD keeps the upstream's Content-Length, no body")
            st, h, body = curl(proxy.url("/missing"))
            check(st == 404, "the upstream's 404 is passed on")
            out = subprocess.run(["curl", "-s", "-S", "--max-time", "20", proxy.url("/big.bin")], stdout=subprocess.PIPE, timeout=30)
            check(out.returncode == 0 and hashlib.sha256(out.stdout).hexdigest() == big_sha, "a 32 MiB file streams through intact")
        finally:
            proxy.stop()

        # The reporting upstream: what the proxy forwards.
        rep = start_reporter()
        proxy = example([binary, "http://127.0.0.1:%d" % rep.server_address[1]])
        try:
            st, h, body = curl("-H", "Connection: x-drop-me", "-H", "X-Drop-Me: 1", "-H", "Keep-Alive: timeout=1", "-H", "TE: trailers",
                               "-H", "Proxy-Authorization: Basic Zm9v", "-H", "X-Forwarded-For: 203.0.113.7", "-H", "X-Keep: yes",
                               proxy.url("/headers?q=1"))
            r = json.loads(body)
            got = headers_of(r)
            check(st == 200 and r["path"] == "/headers?q=1", "the target (path and query) is forwarded")
            for name in ["x-drop-me", "keep-alive", "te", "proxy-authorization"]:
                check(name not in got, "hop-by-hop %s is not forwarded" % name)
            check(got.get("connection", ["keep-alive"]) != ["x-drop-me"], "the client's Connection is not forwarded")
            check(got.get("x-keep") == ["yes"], "an end-to-end field is forwarded")
            check(got.get("x-forwarded-for") == ["203.0.113.7, 127.0.0.1"], "X-Forwarded-For appends the client: %s" % got.get("x-forwarded-for"))
            check(got.get("via") == ["1.1 af-proxy"], "the request carries Via")
            check(got.get("x-forwarded-host") == [proxy.addr], "X-Forwarded-Host is the Host the client asked for")
            check(got.get("host") == ["127.0.0.1:%d" % rep.server_address[1]], "the upstream sees its own Host")

            payload = os.urandom(3 << 20)
            st, h, body = curl("-X", "POST", "--data-binary", "@-", "-H", "Content-Type: application/octet-stream", proxy.url("/upload"),
                               data=payload)
            r = json.loads(body)
            check(st == 200 and r["length"] == len(payload) and r["sha256"] == hashlib.sha256(payload).hexdigest() and not r["chunked"],
                  "a 3 MiB upload with Content-Length streams through intact")
            st, h, body = curl("-T", "-", "-H", "Transfer-Encoding: chunked", proxy.url("/put"), data=payload)
            r = json.loads(body)
            check(st == 200 and r["method"] == "PUT" and r["length"] == len(payload) and r["chunked"],
                  "a chunked upload stays chunked and intact")
            st, h, body = curl("-H", "Expect: 100-continue", "--data-binary", "@-", proxy.url("/expect"), data=b"x" * 5000)
            r = json.loads(body)
            check(st == 200 and r["length"] == 5000, "Expect: 100-continue passes through")

            st, h, body = curl(proxy.url("/chunked"))
            r = json.loads(body)
            check(st == 200 and r["path"] == "/chunked", "a chunked response streams through")
            check("x-private" not in h and "keep-alive" not in h, "hop-by-hop response fields (and those Connection names) are dropped")
        finally:
            proxy.stop()
        rep.shutdown()

        # 502: nothing listens upstream.
        dead = free_port()
        proxy = example([binary, "http://127.0.0.1:%d" % dead])
        try:
            st, h, body = curl(proxy.url("/"))
            check(st == 502, "an upstream that refuses connections: 502")
        finally:
            proxy.stop()

        # 504: the upstream accepts and never answers.
        silent = start_silent()
        proxy = example([binary, "http://127.0.0.1:%d" % silent.getsockname()[1], "--timeout", "300"])
        try:
            st, h, body = curl(proxy.url("/"))
            check(st == 504, "an upstream that does not answer within --timeout: 504")
        finally:
            proxy.stop()
        silent.close()

        # nginx as the upstream, when installed.
        nginx = find_nginx()
        if nginx is None:
            print("skip nginx: not installed")
        else:
            nport = free_port()
            d = os.path.join(base, "nginx")
            os.makedirs(os.path.join(d, "body"))
            with open(os.path.join(d, "nginx.conf"), "w") as f:
                f.write("daemon off;\nmaster_process off;\nworker_processes 1;\npid %s/nginx.pid;\nerror_log %s/error.log;\n"
                        "events { worker_connections 64; }\nhttp {\n  access_log off;\n  default_type application/octet-stream;\n"
                        "  client_body_temp_path %s/body;\n  server {\n    listen 127.0.0.1:%d;\n    root %s;\n  }\n}\n"
                        % (d, d, d, nport, www))
            ng = subprocess.Popen([nginx, "-p", d, "-c", os.path.join(d, "nginx.conf"), "-e", os.path.join(d, "error.log")],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append(ng)
            if not wait_listening(nport):
                print("skip nginx: it did not start")
            else:
                proxy = example([binary, "http://127.0.0.1:%d" % nport])
                try:
                    st, h, body = curl(proxy.url("/hello.txt"))
                    check(st == 200 and body == b"hello through the proxy\n" and h.get("server", "").startswith("nginx"),
                          "GET through the proxy from nginx")
                    etag = h.get("etag", "")
                    st, h, body = curl("-H", "If-None-Match: " + etag, proxy.url("/hello.txt"))
                    check(st == 304 and body == b"", "nginx's 304 is passed on without a body")
                    st, h, body = curl("-r", "0-4", proxy.url("/hello.txt"))
                    check(st == 206 and body == b"hello", "nginx's 206 is passed on")
                    out = subprocess.run(["curl", "-s", "-S", "--max-time", "20", proxy.url("/big.bin")], stdout=subprocess.PIPE, timeout=30)
                    check(out.returncode == 0 and hashlib.sha256(out.stdout).hexdigest() == big_sha, "a 32 MiB file from nginx streams through")
                finally:
                    proxy.stop()
    finally:
        for p in procs:
            kill(p)
        shutil.rmtree(base, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
