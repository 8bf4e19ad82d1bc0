#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Drives af_mini_redis with the real redis-cli and redis-benchmark (Debian redis-tools).

Usage: redis_test.py AF_MINI_REDIS            functional checks; prints "all checks passed"
       redis_test.py AF_MINI_REDIS --bench    redis-benchmark against af_mini_redis and the
                                              real redis-server side by side, without and with
                                              -P 16 (docs/ports/mini_redis.md)
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

failures = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"), flush=True)
    if not ok:
        failures.append(name)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary, *args):
    port = free_port()
    p = subprocess.Popen([binary, "--port", str(port), *args], stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    if "listening" not in line:
        raise SystemExit(f"FAIL server did not start: {line!r}")
    return p, port


def cli(port, *args):
    r = subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True, timeout=20)
    return r.stdout.strip()


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    return s


def resp(*words):
    out = f"*{len(words)}\r\n"
    for w in words:
        out += f"${len(w.encode())}\r\n{w}\r\n"
    return out.encode()


def read_until(s, needle, limit=1 << 20):
    buf = b""
    while needle not in buf and len(buf) < limit:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    return buf


def read_all(s):
    buf = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    return buf


def functional(binary):
    p, port = start(binary, "--max-connections", "4", "--idle-timeout-ms", "1000", "--max-frame", "4096")
    try:
        check("PING", cli(port, "PING") == "PONG")
        check("SET then GET", cli(port, "SET", "k", "v") == "OK" and cli(port, "GET", "k") == "v")
        check("GET of a missing key is nil", cli(port, "GET", "nope") == "")
        check("SET PX expires", cli(port, "SET", "e", "1", "PX", "200") == "OK" and cli(port, "GET", "e") == "1")
        time.sleep(0.4)
        check("an expired key reads as nil", cli(port, "GET", "e") == "")
        check("an unknown command is an error", cli(port, "FLY").startswith("ERR unknown command"))
        check("SET with a bad expiry is an error", "ERR" in cli(port, "SET", "k", "v", "EX", "zero"))

        s = connect(port)
        s.sendall(resp("PING") * 100 + resp("SET", "p", "q") + resp("GET", "p"))
        got = read_until(s, b"$1\r\nq\r\n")
        check("100 pipelined requests answered in order", got == b"+PONG\r\n" * 100 + b"+OK\r\n$1\r\nq\r\n", got[-40:])
        s.sendall(b"PING\r\n")
        check("an inline command", read_until(s, b"\r\n") == b"+PONG\r\n")
        s.close()

        for name, bad in (("a malformed length", b"*1\r\n$x\r\n"), ("a wrong type byte", b"*1\r\n:5\r\n"),
                          ("a frame over --max-frame", resp("SET", "big", "x" * 10000))):
            s = connect(port)
            s.sendall(resp("PING") + bad)
            got = read_all(s)
            check(f"{name} gets its earlier reply, an error and a hang-up",
                  got.startswith(b"+PONG\r\n-ERR Protocol error"), got[:80])
            s.close()
        check("the server still serves after malformed input", cli(port, "PING") == "PONG")

        # Pub/sub through stream_map: a raw subscriber, redis-cli as the publisher.
        sub = connect(port)
        sub.sendall(resp("SUBSCRIBE", "news", "sport"))
        got = read_until(sub, b"sport\r\n:2\r\n")
        check("SUBSCRIBE confirms each channel", got.count(b"subscribe") == 2, got)
        check("PUBLISH reaches one subscriber", cli(port, "PUBLISH", "news", "hello") == "1")
        got = read_until(sub, b"hello\r\n")
        check("the subscriber gets the message", got == b"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n", got)
        sub.sendall(resp("UNSUBSCRIBE", "news"))
        got = read_until(sub, b":1\r\n")
        check("UNSUBSCRIBE one channel leaves one", b"unsubscribe" in got, got)
        check("PUBLISH to the dropped channel reaches nobody", cli(port, "PUBLISH", "news", "x") == "0")
        sub.sendall(resp("UNSUBSCRIBE"))
        got = read_until(sub, b":0\r\n")
        check("UNSUBSCRIBE all empties the map (its select branch is disabled)", b":0\r\n" in got, got)
        sub.sendall(resp("PING"))
        check("a subscriber with no channel still answers", b"pong" in read_until(sub, b"pong"))
        sub.sendall(resp("SUBSCRIBE", "sport"))
        read_until(sub, b":1\r\n")
        check("re-SUBSCRIBE after an empty map", cli(port, "PUBLISH", "sport", "goal") == "1"
              and b"goal" in read_until(sub, b"goal\r\n"))
        sub.close()

        # The connection limit (4) and the idle timeout (1 s).
        time.sleep(0.2)
        held = [connect(port) for _ in range(4)]
        for h in held:
            h.sendall(resp("PING"))
            read_until(h, b"\r\n")
        extra = connect(port)
        got = read_all(extra)
        check("the fifth connection is refused", got.startswith(b"-ERR max number of clients reached"), got)
        start_idle = time.monotonic()
        got = read_all(held[0])
        idle = time.monotonic() - start_idle
        check("an idle connection is closed after the idle timeout", got == b"" and 0.5 < idle < 5, f"{idle:.2f}s")
        for h in held:
            h.close()
        time.sleep(0.3)
        check("closed connections give their slots back", cli(port, "PING") == "PONG")
    finally:
        p.terminate()
        p.wait(timeout=10)

    # redis-benchmark, without and with pipelining, then a SIGINT with a client connected.
    p, port = start(binary)
    try:
        if shutil.which("redis-benchmark"):
            for extra in ([], ["-P", "16"]):
                r = subprocess.run(["redis-benchmark", "-p", str(port), "-t", "set,get", "-n", "20000", "-q", *extra],
                                   capture_output=True, text=True, timeout=120)
                rates = re.findall(r"([\d.]+) requests per second", r.stdout)
                check(f"redis-benchmark {' '.join(extra) or 'without -P'} completes", len(rates) == 2, r.stdout + r.stderr)
        idle_client = connect(port)
        idle_client.sendall(resp("PING"))
        read_until(idle_client, b"\r\n")
        t0 = time.monotonic()
        p.send_signal(signal.SIGINT)
        out, _ = p.communicate(timeout=10)
        took = time.monotonic() - t0
        check("SIGINT shuts down gracefully with a client connected",
              p.returncode == 0 and "shutdown complete" in out and took < 5, f"rc={p.returncode} {out!r} {took:.2f}s")
        check("the connected client was closed", read_all(idle_client) == b"")
    finally:
        if p.poll() is None:
            p.kill()


def bench(binary):
    rows = []
    servers = []
    p, port = start(binary)
    servers.append(("af_mini_redis", port, p))
    p2, port2 = start(binary, "--no-batching")
    servers.append(("af_mini_redis --no-batching", port2, p2))
    if shutil.which("redis-server"):
        rport = free_port()
        rp = subprocess.Popen(["redis-server", "--port", str(rport), "--save", "", "--appendonly", "no"],
                              stdout=subprocess.DEVNULL)
        for _ in range(100):
            if subprocess.run(["redis-cli", "-p", str(rport), "PING"], capture_output=True, text=True).stdout.strip() == "PONG":
                break
            time.sleep(0.05)
        servers.append(("redis-server", rport, rp))
    try:
        for extra in ([], ["-P", "16"]):
            for name, port, _ in servers:
                cmd = ["redis-benchmark", "-p", str(port), "-t", "set,get", "-n", "200000", "-c", "50", "-q", *extra]
                r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
                rates = dict(re.findall(r"(SET|GET): ([\d.]+) requests per second", r.stdout))
                rows.append((" ".join(extra) or "-", name, float(rates.get("SET", 0)), float(rates.get("GET", 0))))
                print(f"{' '.join(cmd)}\n{r.stdout.strip()}", flush=True)
    finally:
        for _, _, sp in servers:
            sp.terminate()
            sp.wait(timeout=10)
    print("\n| pipelining | server | SET req/s | GET req/s |\n|---|---|---|---|")
    for row in rows:
        print(f"| {row[0]} | {row[1]} | {row[2]:.0f} | {row[3]:.0f} |")
    for mode in ("-", "-P 16"):
        for name in ("af_mini_redis", "af_mini_redis --no-batching"):
            a = [r for r in rows if r[0] == mode and r[1] == name]
            b = [r for r in rows if r[0] == mode and r[1] == "redis-server"]
            if a and b and b[0][2] and b[0][3]:
                print(f"ratio {name} / redis-server ({mode}): SET {a[0][2] / b[0][2]:.2f}, GET {a[0][3] / b[0][3]:.2f}")


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    if "--bench" in sys.argv[2:]:
        bench(sys.argv[1])
        return 0
    functional(sys.argv[1])
    if failures:
        print(f"FAIL {len(failures)} check(s): {', '.join(failures)}")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
