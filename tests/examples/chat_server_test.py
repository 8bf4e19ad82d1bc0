# SPDX-License-Identifier: MIT
# Drives examples/chat_server.cpp the way hostile clients would, one check per defect of issue
# 17: 300 clients joining at once all get their welcome; a client that never reads is
# disconnected with a message while the others lose nothing; a 100 MB line is refused at the
# limit with bounded memory; idle clients (and silent ones: slowloris) are dropped; the
# connection cap holds. A failing client costs one log line.
#
#     python3 chat_server_test.py CHAT_SERVER [epoll|io_uring]     prints "all checks passed"
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from example_peer import check, finish  # noqa: E402

SERVER = sys.argv[1]
BACKEND = sys.argv[2] if len(sys.argv) > 2 else "epoll"


class server:
    """chat_server on an ephemeral port with `flags`; stderr goes to a file (the log)."""

    def __init__(self, *flags):
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=1"
        self.log = tempfile.TemporaryFile(mode="w+")
        self.p = subprocess.Popen([SERVER, "127.0.0.1:0", BACKEND] + list(flags), stdout=subprocess.PIPE,
                                  stderr=self.log, text=True, env=env)
        line = self.p.stdout.readline()
        if not line.startswith("listening on "):
            self.stop()
            raise SystemExit("chat_server did not print its address (got %r)" % line)
        host, port = line.split()[-1].rsplit(":", 1)
        self.addr = (host, int(port))

    def rss_kib(self, field="VmHWM"):
        with open("/proc/%d/status" % self.p.pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return -1

    def log_lines(self):
        self.log.seek(0)
        return [l for l in self.log.read().splitlines() if l]

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(2)
            try:
                self.p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        return self.p.returncode


class client:
    def __init__(self, reader, writer, name):
        self.r, self.w, self.name = reader, writer, name

    @staticmethod
    async def connect(addr, name, rcvbuf=None):
        sock = None
        if rcvbuf:
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            sock.setblocking(False)
            await asyncio.get_running_loop().sock_connect(sock, addr)
            r, w = await asyncio.open_connection(sock=sock, limit=1 << 20)
        else:
            r, w = await asyncio.open_connection(*addr, limit=1 << 20)
        c = client(r, w, name)
        if name is not None:
            w.write((name + "\n").encode())
            await w.drain()
        return c

    async def line(self, timeout=20):
        """The next line without its newline, or None at end of stream."""
        try:
            b = await asyncio.wait_for(self.r.readline(), timeout)
        except ConnectionResetError:
            return None
        if not b:
            return None
        return b.decode().rstrip("\n")

    async def say(self, text):
        self.w.write((text + "\n").encode())
        await self.w.drain()

    async def rest(self, timeout=20):
        """Every line until the end of stream (the server closed)."""
        out = []
        deadline = time.monotonic() + timeout
        while True:
            l = await self.line(max(0.1, deadline - time.monotonic()))
            if l is None:
                return out
            out.append(l)

    def close(self):
        self.w.close()


async def welcomes(n):
    # A queue that holds every announcement: this check is about lines being skipped, and a
    # loaded machine may let a writer fall 256 lines behind (slow_consumer checks that policy).
    srv = server("--max-clients", "1000", "--queue", "1024")
    try:
        names = ["c%03d" % i for i in range(n)]
        clients = await asyncio.gather(*[client.connect(srv.addr, nm) for nm in names])
        firsts = await asyncio.gather(*[c.line() for c in clients], return_exceptions=True)
        got = sum(1 for c, f in zip(clients, firsts) if f == "* welcome, " + c.name)
        check(got == n, "%d clients joining at once: %d got their welcome first" % (n, got))
        # Every client hears of exactly those who joined after it: n*(n-1)/2 announcements.
        want = n * (n - 1) // 2
        heard = 0

        async def count(c):
            nonlocal heard
            while True:
                try:
                    l = await c.line(timeout=5)
                except asyncio.TimeoutError:
                    return
                if l is None:
                    return
                if l.endswith(" joined"):
                    heard += 1
        await asyncio.gather(*[count(c) for c in clients])
        check(heard == want, "... and %d of %d join announcements arrived (none skipped)" % (heard, want))
        for c in clients:
            c.close()
    finally:
        srv.stop()


async def slow_consumer():
    srv = server("--queue", "64")
    try:
        slow = await client.connect(srv.addr, "slow", rcvbuf=4096)
        check(await slow.line() == "* welcome, slow", "the slow client is welcomed")
        talker = await client.connect(srv.addr, "talker")
        await talker.line()
        listener = await client.connect(srv.addr, "listener")
        await listener.line()
        await talker.line()  # "* listener joined"
        body = "x" * 1000
        sent, heard, kicked = [], [], False
        # Batches of 50 lines; the listener reads each batch before the next, so only the slow
        # client (which reads nothing) can fall behind.
        while not kicked and len(sent) < 20000:
            batch = ["%05d %s" % (len(sent) + i, body) for i in range(50)]
            talker.w.write("".join(l + "\n" for l in batch).encode())
            await talker.w.drain()
            sent += batch
            while len(heard) < len(sent):
                l = await listener.line()
                if l is None:
                    break
                if l == "* slow was disconnected (too slow)":
                    kicked = True
                    continue
                heard.append(l[len("talker: "):] if l.startswith("talker: ") else l)
        check(kicked, "a client that never reads is disconnected (after %d lines of 1 KB)" % len(sent))
        check(heard == sent, "the reading client lost none of the %d lines" % len(sent))
        # Now it reads: what was queued for it, in order, then the reason, then the end.
        rest = await slow.rest()
        lines = [l for l in rest if l.startswith("talker: ")]
        got = [l[len("talker: "):] for l in lines]
        check(len(got) > 0 and got == sent[:len(got)], "the slow client got a gapless prefix (%d lines)" % len(got))
        check(rest and rest[-1] == "* disconnected: too slow (64 lines waiting)",
              "... and then the reason: %r" % (rest[-1] if rest else None))
        await talker.say("still here")
        check(await listener.line() == "talker: still here", "the room goes on")
        logs = [l for l in srv.log_lines() if "(slow)" in l]
        check(len(logs) == 1, "one log line for the slow client (%d)" % len(logs))
        for c in (slow, talker, listener):
            c.close()
    finally:
        srv.stop()


def huge_line(addr, size, result):
    """Sends one line of `size` bytes from a thread; records what the server answered."""
    s = socket.create_connection(addr)
    s.sendall(b"huge\n")
    chunk = b"y" * (1 << 20)
    answer = bytearray()

    def read():
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                answer.extend(b)
        except OSError:
            pass
    t = threading.Thread(target=read)
    t.start()
    sent = 0
    try:
        while sent < size:
            s.sendall(chunk)
            sent += len(chunk)
    except OSError:
        pass  # the server closed: expected
    t.join(30)
    s.close()
    result["sent"] = sent
    result["answer"] = answer.decode(errors="replace").splitlines()


async def long_line():
    srv = server("--max-line", "4096")
    try:
        other = await client.connect(srv.addr, "other")
        await other.line()
        before = srv.rss_kib()
        result = {}
        await asyncio.get_running_loop().run_in_executor(None, huge_line, srv.addr, 100 << 20, result)
        grew = srv.rss_kib() - before
        answer = result.get("answer", [])
        check("* disconnected: line over 4096 bytes" in answer,
              "a 100 MB line is refused at the 4096-byte limit (answer %r)" % answer[-1:])
        check(grew < 16 * 1024, "... with bounded memory: peak RSS grew by %d KiB" % grew)
        check(await other.line() == "* huge joined" and await other.line() == "* huge left",
              "the others hear a join and a leave, nothing of the line")
        again = await client.connect(srv.addr, "again")
        check(await again.line() == "* welcome, again", "the server goes on")
        other.close()
        again.close()
    finally:
        srv.stop()


async def idle():
    srv = server("--idle", "1")
    try:
        quiet = await client.connect(srv.addr, "quiet")
        silent = await client.connect(srv.addr, None)  # connects, never sends its name
        chatty = await client.connect(srv.addr, "chatty")
        t0 = time.monotonic()
        for i in range(8):  # a line every 0.25 s for 2 s keeps it in
            await chatty.say("tick %d" % i)
            await asyncio.sleep(0.25)
        rest = await quiet.rest(timeout=10)
        check("* disconnected: idle for 1000 ms" in rest, "an idle client is dropped with a message")
        check(time.monotonic() - t0 < 8, "... about 1 s after its last line")
        rest = await silent.rest(timeout=10)
        check(rest == ["* disconnected: idle for 1000 ms"], "a client that never names itself is dropped too")
        await chatty.say("still here")
        check(srv.p.poll() is None, "the server runs on")
        lines = await chatty.rest(timeout=10)
        check(lines[:1] == ["* welcome, chatty"] and lines[-1] == "* disconnected: idle for 1000 ms",
              "an active client stays until it stops talking (%d lines)" % len(lines))
    finally:
        srv.stop()


async def cap():
    srv = server("--max-clients", "20")
    try:
        members = [await client.connect(srv.addr, "m%02d" % i) for i in range(20)]
        firsts = [await m.line() for m in members]
        check(all(f.startswith("* welcome") for f in firsts), "20 clients fit")
        extra = await client.connect(srv.addr, "extra")
        rest = await extra.rest(timeout=10)
        check(rest == ["* server full, try again later"], "the 21st is told the room is full (%r)" % rest)
        members[0].close()
        ok = False
        for _ in range(50):  # the slot frees once the server has seen the close
            await asyncio.sleep(0.1)
            late = await client.connect(srv.addr, "late")
            first = await late.line()
            if first == "* welcome, late":
                ok = True
                break
            late.close()
        check(ok, "a slot that frees is taken again")
        logs = [l for l in srv.log_lines() if "refusing" in l]
        check(len(logs) >= 1 and len(logs) <= 2, "a full room logs once per streak, not per refusal")
        for m in members[1:]:
            m.close()
    finally:
        srv.stop()


def main():
    asyncio.run(welcomes(300))
    asyncio.run(slow_consumer())
    asyncio.run(long_line())
    asyncio.run(idle())
    asyncio.run(cap())
    finish()


main()
