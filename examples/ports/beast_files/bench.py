#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Throughput and memory of the Beast-style file server variants, in one run, for the table in
docs/ports/beast_files.md.

    bench.py [--seconds S] [--threads N] [--idle N] SERVER...

Each server gets Beast's command line (127.0.0.1 PORT ROOT THREADS) and a root holding a 1 KiB
index.html and a 64 KiB file. Throughput: `wrk -t1 -c64 -dS` on each file, keep-alive,
requests/s. Memory: the server's RSS before and after N keep-alive connections each made one
request and then stayed idle, divided by N. The servers run one after the other, each alone on
the machine's cores with wrk.
"""
import argparse
import os
import re
import socket
import subprocess
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("--seconds", type=int, default=5)
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--idle", type=int, default=1000)
ap.add_argument("servers", nargs="+")
args = ap.parse_args()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def wrk(port, path):
    out = subprocess.run(["wrk", "-t1", "-c64", "-d%ds" % args.seconds, "http://127.0.0.1:%d%s" % (port, path)],
                         capture_output=True, text=True, check=True).stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit("wrk got errors: " + errors.group(0))
    return float(m.group(1))


def idle_memory(pid, port):
    before = rss_kib(pid)
    socks = []
    for _ in range(args.idle):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n")
        socks.append(s)
    for s in socks:  # every answer read: each connection now waits for its next request
        got = b""
        while b"</html>" not in got:
            got += s.recv(65536)
    time.sleep(0.5)
    after = rss_kib(pid)
    for s in socks:
        s.close()
    return (after - before) / args.idle


with tempfile.TemporaryDirectory() as root:
    with open(os.path.join(root, "index.html"), "wb") as f:
        f.write(b"<html>" + b"x" * (1024 - 13) + b"</html>")
    with open(os.path.join(root, "64k.bin"), "wb") as f:
        f.write(os.urandom(64 * 1024))
    print("| server | 1 KiB req/s | 64 KiB req/s | KiB per idle connection |")
    print("|---|---|---|---|")
    for server in args.servers:
        port = free_port()
        p = subprocess.Popen([server, "127.0.0.1", str(port), root, str(args.threads)], stdout=subprocess.DEVNULL)
        try:
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", port)).close()
                    break
                except OSError:
                    time.sleep(0.05)
            small = wrk(port, "/index.html")
            large = wrk(port, "/64k.bin")
            mem = idle_memory(p.pid, port)
            print("| %s | %.0f | %.0f | %.1f |" % (os.path.basename(server), small, large, mem), flush=True)
        finally:
            p.terminate()
            p.wait()
