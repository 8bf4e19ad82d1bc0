#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Throughput and memory of a chat server (the af port or Asio's original), for the table in
docs/ports/asio_chat.md.

    bench.py <chat_server binary> [clients] [messages]

Throughput: `clients` participants join; one of them sends `messages` messages (32-byte
bodies), keeping at most 200 ahead of the slowest reader (under both servers' limits); the
result is messages relayed per second (messages x clients / time until the last copy
arrived). Memory: the server's RSS before and after 1,000 more participants joined (each got
the replay), divided by 1,000.
"""
import os
import selectors
import socket
import subprocess
import sys
import time

binary = sys.argv[1]
clients = int(sys.argv[2]) if len(sys.argv) > 2 else 50
messages = int(sys.argv[3]) if len(sys.argv) > 3 else 20000


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


port = free_port()
server = subprocess.Popen([binary, str(port)])
try:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            break
        except OSError:
            time.sleep(0.05)
    time.sleep(0.2)

    sel = selectors.DefaultSelector()
    socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(clients)]
    got = {}
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        got[s] = 0
    time.sleep(0.3)
    msg = b"%4d" % 32 + b"m" * 32
    size = len(msg)
    sender = socks[0]
    sender.setblocking(True)
    sent = 0
    start = time.time()
    while True:
        slowest = min(got.values()) // size
        if slowest >= messages:
            break
        if sent < messages and sent - slowest < 200:
            n = min(50, messages - sent)
            sender.sendall(msg * n)
            sent += n
        for key, _ in sel.select(timeout=0.001 if sent < messages else 0.05):
            try:
                d = key.fileobj.recv(1 << 20)
            except BlockingIOError:
                continue
            if not d:
                raise SystemExit("a participant was disconnected during the throughput run")
            got[key.fileobj] += len(d)
    elapsed = time.time() - start
    print("throughput: %d clients, %d messages: %.0f messages relayed/s (%.2f s)"
          % (clients, messages, messages * clients / elapsed, elapsed))
    for s in socks:
        sel.unregister(s)
        s.close()
    time.sleep(0.5)

    before = rss_kib(server.pid)
    many = []
    for _ in range(1000):
        many.append(socket.create_connection(("127.0.0.1", port)))
    time.sleep(1.0)
    after = rss_kib(server.pid)
    print("memory: %d KiB before, %d KiB with 1000 more participants: %.1f KiB per connection"
          % (before, after, (after - before) / 1000.0))
    for s in many:
        s.close()
finally:
    server.kill()
    server.wait()
