# SPDX-License-Identifier: MIT
# A Python http.server peer for tests/http/client_peers_test.cpp. Prints "<pid> <port>" on
# its first line once it listens on 127.0.0.1 (an ephemeral port), then serves until killed.
#   GET /fixed    "fixed body\n" with Content-Length (keep-alive)
#   GET /chunked  chunked "a", "bb", "ccc" and a trailer "x-count: 3"
#   GET /slow     chunked, 5 chunks of "slow\n" with a short pause before each
#   GET /close    "bye\n", then the server closes the connection (Connection: close)
#   GET /big      1 MiB of bytes i % 251, with Content-Length
#   POST /sum     reads the body (Content-Length or chunked), answers "<bytes> <sum of bytes>"
import http.server
import os
import sys
import time


class handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_body(self, body, close=False):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def chunked(self, chunks, trailer=None, pause=0.0):
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for c in chunks:
            if pause:
                self.wfile.flush()
                time.sleep(pause)
            self.wfile.write(b"%x\r\n%s\r\n" % (len(c), c))
        self.wfile.write(b"0\r\n")
        if trailer:
            self.wfile.write(trailer.encode() + b"\r\n")
        self.wfile.write(b"\r\n")

    def do_GET(self):
        if self.path == "/fixed":
            self.send_body(b"fixed body\n")
        elif self.path == "/chunked":
            self.chunked([b"a", b"bb", b"ccc"], trailer="x-count: 3")
        elif self.path == "/slow":
            self.chunked([b"slow\n"] * 5, pause=0.02)
        elif self.path == "/close":
            self.send_body(b"bye\n", close=True)
        elif self.path == "/big":
            self.send_body(bytes(i % 251 for i in range(1 << 20)))
        else:
            self.send_error(404)

    def do_POST(self):
        data = b""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                data += self.rfile.read(size)
                self.rfile.readline()
        else:
            data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_body(b"%d %d" % (len(data), sum(data)))


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
print(os.getpid(), server.server_address[1], flush=True)
server.serve_forever()
