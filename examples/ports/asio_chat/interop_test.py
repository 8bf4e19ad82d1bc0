#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Interop of the af chat port with Asio's originals (Boost 1.81 example/cpp11/chat).

    interop_test.py <af_chat_server> <af_chat_client> <asio_chat_server> <asio_chat_client>

Checks: Asio clients through the af server (relay both ways, replay of the recent messages to a
newcomer), an af client through the Asio server (both ways), a bad header closes that
participant only, a participant that never reads is disconnected. Prints "all checks passed".
"""
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time

AF_SERVER, AF_CLIENT, ASIO_SERVER, ASIO_CLIENT = sys.argv[1:5]
failures = []
T0 = time.time()
STDBUF = ["stdbuf", "-oL"] if shutil.which("stdbuf") else []


def check(ok, what):
    print("%s%s (%.1f s)" % ("ok   " if ok else "FAIL ", what, time.time() - T0), flush=True)
    if not ok:
        failures.append(what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(binary):
    port = free_port()
    p = subprocess.Popen([binary, str(port)])
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return p, port
        except OSError:
            time.sleep(0.05)
    p.kill()
    raise RuntimeError(binary + " did not listen")


class client:
    """A chat client process: lines to its stdin, lines from its stdout."""

    def __init__(self, binary, port):
        # The original client does not flush stdout: line-buffer it (its cout goes through stdio).
        self.p = subprocess.Popen(STDBUF + [binary, "127.0.0.1", str(port)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True, bufsize=1)
        self.lines = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.p.stdout:
            self.lines.put(line.rstrip("\n"))

    def say(self, text):
        self.p.stdin.write(text + "\n")
        self.p.stdin.flush()

    def expect(self, text, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if self.lines.get(timeout=max(0.01, deadline - time.time())) == text:
                    return True
            except queue.Empty:
                break
        return False

    def close(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()


def encode(body):
    b = body.encode()
    return b"%4d" % len(b) + b


def raw_connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    return s


def closed_by_peer(s, timeout=10):
    """Reads until the server closes s (True) or the timeout (False)."""
    s.settimeout(timeout)
    try:
        while True:
            if not s.recv(65536):
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def relay_checks(server_bin, client_a_bin, client_b_bin, label):
    server, port = start_server(server_bin)
    try:
        a = client(client_a_bin, port)
        b = client(client_b_bin, port)
        time.sleep(0.3)  # both joined before the first message
        a.say("hello from a")
        check(a.expect("hello from a") and b.expect("hello from a"), label + ": a's message reaches a and b")
        b.say("hi a, b here")
        check(a.expect("hi a, b here"), label + ": b's message reaches a")
        c = client(client_b_bin, port)
        check(c.expect("hello from a") and c.expect("hi a, b here"), label + ": a newcomer gets the recent messages")
        for x in (a, b, c):
            x.close()
    finally:
        server.kill()
        server.wait()


# Asio clients through the af server; an af client through the Asio server (with an Asio one).
relay_checks(AF_SERVER, ASIO_CLIENT, ASIO_CLIENT, "two asio clients via the af server")
relay_checks(AF_SERVER, AF_CLIENT, ASIO_CLIENT, "af and asio clients via the af server")
relay_checks(ASIO_SERVER, AF_CLIENT, ASIO_CLIENT, "af and asio clients via the asio server")

server, port = start_server(AF_SERVER)
try:
    # A bad header closes that participant only.
    good = client(ASIO_CLIENT, port)
    bad = raw_connect(port)
    time.sleep(0.2)
    bad.sendall(b"12ab")
    check(closed_by_peer(bad), "af server: a bad header closes that participant")
    too_long = raw_connect(port)
    too_long.sendall(b" 513" + b"x" * 513)
    check(closed_by_peer(too_long), "af server: a body over 512 bytes closes that participant")
    good.say("still here")
    check(good.expect("still here"), "af server: the others stay connected")

    good.close()

    # A participant that never reads is cut off once its queue (and its socket buffers) are
    # full, while one that keeps up stays: the sender below waits for its own copies of each
    # batch, so it is never more than a batch (100 < the queue's 256) behind.
    slow = socket.create_connection(("127.0.0.1", port))  # blocking: see raw_connect
    flooder = socket.create_connection(("127.0.0.1", port))
    flooder.settimeout(20)
    time.sleep(0.2)
    flooder.recv(1 << 20)  # the replay of the recent messages
    batch = encode("x" * 512) * 100
    for _ in range(300):  # 15 MB: more than the slow one's queue and socket buffers hold
        flooder.sendall(batch)
        got = 0
        while got < len(batch):
            d = flooder.recv(len(batch) - got)
            if not d:
                break
            got += len(d)
        if got < len(batch):
            check(False, "af server: the sender that keeps up stays connected")
            break
    check(closed_by_peer(slow, timeout=10), "af server: a participant that never reads is disconnected")
    late = client(ASIO_CLIENT, port)
    time.sleep(0.3)
    late.say("after the flood")
    check(late.expect("after the flood", timeout=20), "af server: the room works after cutting off the slow one")
    flooder.close()
    late.close()
finally:
    server.kill()
    server.wait()

print("FAIL: %d checks" % len(failures) if failures else "all checks passed")
sys.exit(1 if failures else 0)
