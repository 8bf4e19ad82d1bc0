# SPDX-License-Identifier: MIT
"""Hostile-client probes against af's example servers (driven by scripts/stress).

Each probe starts a fresh server (echo_server, chat_server, http_hello) on one I/O backend,
attacks it, then checks that it is alive and still answers a well-behaved client. A probe
"held" when every check passed, is "degraded" when the server survived but a check about
service or resources did not pass, and "failed" when the server died or stopped answering.
The table gives each probe's peak RSS (VmHWM) and peak open descriptors (sampled every 50 ms).
"""
import argparse
import asyncio
import os
import random
import re
import resource
import signal
import socket
import subprocess
import sys
import threading
import time

HELD, DEGRADED, FAILED = "held", "degraded", "failed"


# --- the server under test ---------------------------------------------------------------

class server:
    def __init__(self, kind, binary, backend, nofile=None, extra=()):
        self.kind, self.backend = kind, backend
        args = [binary, "127.0.0.1:0"]
        if kind in ("echo", "chat"):
            args.append(backend)
        if kind == "chat":
            # Room for the 10k-client probe; a short idle timeout cuts slowloris off.
            args += ["--max-clients", "20000", "--idle", "3"]
        args += list(extra)

        def limits():
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        self.log = open(os.devnull, "w")
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  preexec_fn=limits)
        line = self.p.stdout.readline()
        m = re.search(r"(\d+\.\d+\.\d+\.\d+):(\d+)", line)
        if not m:
            self.p.kill()
            raise RuntimeError("%s did not print its address (got %r)" % (binary, line))
        self.addr = (m.group(1), int(m.group(2)))
        self.log_lines = 0
        self.last_log = ""
        # Drain stdout and stderr (a full pipe would block the server), counting log lines.
        threading.Thread(target=self._drain, args=(self.p.stdout, False), daemon=True).start()
        threading.Thread(target=self._drain, args=(self.p.stderr, True), daemon=True).start()
        self.peak_fds = self.fds()
        self._sampling = True
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _drain(self, f, count):
        for line in f:
            if count:
                self.log_lines += 1
                self.last_log = line.strip()

    def _sample(self):
        while self._sampling and self.alive():
            self.peak_fds = max(self.peak_fds, self.fds())
            time.sleep(0.05)

    def alive(self):
        return self.p.poll() is None

    def fds(self):
        try:
            return len(os.listdir("/proc/%d/fd" % self.p.pid))
        except OSError:
            return 0

    def status(self, field):
        try:
            with open("/proc/%d/status" % self.p.pid) as f:
                for line in f:
                    if line.startswith(field + ":"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def cpu_seconds(self):
        try:
            with open("/proc/%d/stat" % self.p.pid) as f:
                parts = f.read().rsplit(")", 1)[1].split()
            return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            return 0.0

    def stop(self):
        self._sampling = False
        if self.alive():
            self.p.send_signal(signal.SIGINT)
            try:
                self.p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        return self.p.returncode


# --- one well-behaved exchange per protocol -------------------------------------------------

async def exchange(kind, r, w, tag):
    """One request and its answer; raises on anything unexpected."""
    if kind == "echo":
        w.write(b"ping %s\n" % tag.encode())
        await w.drain()
        line = await r.readline()
        if line != b"ping %s\n" % tag.encode():
            raise RuntimeError("bad echo %r" % line)
    elif kind == "chat":
        w.write(tag.encode() + b"\n")
        await w.drain()
        line = await r.readline()
        if not line.startswith(b"* welcome"):
            raise RuntimeError("no welcome: %r" % line)
    else:
        w.write(b"GET /%s HTTP/1.1\r\nHost: stress\r\n\r\n" % tag.encode())
        await w.drain()
        head = await r.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError("bad answer %r" % head[:40])
        m = re.search(rb"content-length: *(\d+)", head, re.I)
        await r.readexactly(int(m.group(1)) if m else 0)


async def connect(addr, timeout=10):
    return await asyncio.wait_for(asyncio.open_connection(*addr, limit=1 << 20), timeout)


async def serves(srv, timeout=10):
    """A fresh client gets its answer: the server still works."""
    try:
        r, w = await connect(srv.addr, timeout)
        await asyncio.wait_for(exchange(srv.kind, r, w, "check%d" % random.randrange(1 << 30)), timeout)
        w.close()
        return True
    except Exception:
        return False


def reset(w):
    """Closes with a reset (SO_LINGER 0) instead of a normal end."""
    sock = w.get_extra_info("socket")
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    except OSError:
        pass
    w.transport.abort()


# --- the probes: each returns (verdict, note) ------------------------------------------------

async def p_clients(srv, n):
    conns, ok, errors = [], 0, {}

    async def one(i):
        nonlocal ok
        try:
            r, w = await connect(srv.addr, 30)
            conns.append(w)
            await asyncio.wait_for(exchange(srv.kind, r, w, "c%d" % i), 60)
            ok += 1
        except Exception as e:
            errors[repr(e)[:60]] = errors.get(repr(e)[:60], 0) + 1
    for start in range(0, n, 500):
        await asyncio.gather(*[one(i) for i in range(start, min(n, start + 500))])
    held_open = srv.fds()
    for w in conns:
        w.close()
    good = await serves(srv)
    note = "%d/%d answered, %d descriptors open at the peak" % (ok, n, held_open)
    if errors:
        note += " (errors: %s)" % ", ".join("%d x %s" % (c, e) for e, c in errors.items())
    if not srv.alive() or not good:
        return FAILED, note
    return (HELD if ok == n else DEGRADED), note


async def p_slowloris(srv, k, seconds):
    slow = []
    for _ in range(k):
        try:
            slow.append(await connect(srv.addr))
        except Exception:
            break
    payload = {"echo": b"x" * 1000, "chat": b"y" * 1000,
               "http": b"GET / HTTP/1.1\r\nHost: s\r\nX-Slow: " + b"z" * 1000}[srv.kind]
    worst, misses = 0.0, 0
    t_end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < t_end:
        for _, w in slow:  # one byte each per round
            if not w.is_closing():
                try:
                    w.write(payload[i % len(payload):i % len(payload) + 1])
                except Exception:
                    pass
        i += 1
        t0 = time.monotonic()
        if await serves(srv, 5):
            worst = max(worst, time.monotonic() - t0)
        else:
            misses += 1
        await asyncio.sleep(0.3)
    cut = 0

    async def was_cut(r, w):  # did the server hang up (chat: idle timeout, http: head timeout)?
        nonlocal cut
        try:
            await asyncio.wait_for(r.read(-1), 0.5)  # returns once the server has closed
            cut += 1
        except asyncio.TimeoutError:
            pass
        except OSError:
            cut += 1
        w.close()
    await asyncio.gather(*[was_cut(r, w) for r, w in slow])
    note = "%d slow clients; others served in <= %.0f ms, %d misses; %d slow ones cut off" % (
        len(slow), worst * 1000, misses, cut)
    if not srv.alive():
        return FAILED, note
    return (HELD if misses == 0 and worst < 2.0 else DEGRADED), note


async def p_huge(srv, size):
    before = srv.status("VmHWM")
    r, w = await connect(srv.addr)
    if srv.kind == "chat":
        w.write(b"huge\n")
    elif srv.kind == "http":
        w.write(b"GET / HTTP/1.1\r\nHost: s\r\nX-Huge: ")
    got = 0

    async def drain():
        nonlocal got
        try:
            while True:
                b = await r.read(1 << 16)
                if not b:
                    return
                got += len(b)
        except Exception:
            return
    reader = asyncio.ensure_future(drain())
    chunk = b"h" * (1 << 20)
    sent = 0
    try:
        while sent < size:
            w.write(chunk)
            await asyncio.wait_for(w.drain(), 30)
            sent += len(chunk)
        if srv.kind == "echo":
            w.write_eof()
    except Exception:
        pass  # refused: the server hung up
    try:
        await asyncio.wait_for(reader, 30)
    except Exception:
        reader.cancel()
    w.close()
    grew = (srv.status("VmHWM") - before) // 1024
    good = await serves(srv)
    what = "echoed %d MiB" % (got >> 20) if srv.kind == "echo" else "refused after %d MiB sent" % (sent >> 20)
    note = "one %d MiB line: %s; peak RSS grew %d MiB" % (size >> 20, what, grew)
    if not srv.alive() or not good:
        return FAILED, note
    if srv.kind == "echo" and got != size:
        return DEGRADED, note
    return (HELD if grew < 64 else DEGRADED), note


async def p_garbage(srv, k):
    rnd = random.Random(17)
    for _ in range(k):
        try:
            r, w = await connect(srv.addr)
            w.write(bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(1, 65536))))
            await asyncio.wait_for(w.drain(), 5)
            (reset if rnd.random() < 0.5 else lambda x: x.close())(w)
        except Exception:
            pass
    await asyncio.sleep(0.5)
    good = await serves(srv)
    note = "%d connections of random bytes (up to 64 KiB each)" % k
    return (HELD if srv.alive() and good else FAILED), note


async def p_resets(srv, k):
    await asyncio.sleep(0.5)  # the server's own descriptors (signal pipes) are open by now
    base = srv.fds()
    talker = None
    if srv.kind == "chat":  # someone talks, so the server is writing to everybody
        tr, talker = await connect(srv.addr)
        talker.write(b"talker\n" + b"".join(b"line %d of noise\n" % i for i in range(2000)))
    for i in range(k):
        try:
            r, w = await connect(srv.addr)
            if srv.kind == "echo":
                w.write(b"e" * (1 << 20))  # echoed back to a reader that never reads
            elif srv.kind == "chat":
                w.write(b"r%d\n" % i)
            else:
                w.write(b"POST /echo HTTP/1.1\r\nHost: s\r\nContent-Length: 1000000\r\n\r\n" + b"p" * 500000)
            await asyncio.sleep(0.005)
            reset(w)
        except Exception:
            pass
    if talker:
        talker.close()
    for _ in range(50):  # let the server see every reset
        await asyncio.sleep(0.2)
        if srv.fds() - base <= 4:
            break
    good = await serves(srv)
    left = srv.fds() - base
    if left > 4:
        print("# %s/%s resets: descriptors left: %s" % (srv.kind, srv.backend, sorted(
            os.readlink("/proc/%d/fd/%s" % (srv.p.pid, f)) for f in os.listdir("/proc/%d/fd" % srv.p.pid))[:40]))
    note = "%d clients reset mid-write; %d descriptors left over" % (k, max(0, left))
    if not srv.alive() or not good:
        return FAILED, note
    return (HELD if left <= 4 else DEGRADED), note


async def p_churn(srv, n):
    await asyncio.sleep(0.5)  # the server's own descriptors (signal pipes) are open by now
    base = srv.fds()
    done = 0

    async def worker(count):
        nonlocal done
        for j in range(count):
            try:
                r, w = await connect(srv.addr)
                reset(w) if j % 2 else w.close()
                done += 1
            except Exception:
                await asyncio.sleep(0.01)
    await asyncio.gather(*[worker(n // 50) for _ in range(50)])
    for _ in range(30):  # let the server see every close
        await asyncio.sleep(0.2)
        if srv.fds() - base <= 4:
            break
    left = srv.fds() - base
    good = await serves(srv)
    note = "%d connect/close cycles (half of them resets); %d descriptors left over" % (done, max(0, left))
    if not srv.alive() or not good:
        return FAILED, note
    return (HELD if left <= 4 and done >= n * 0.99 else DEGRADED), note


async def p_fd_limit(srv, k):
    conns = []

    async def one(i):
        try:
            r, w = await connect(srv.addr, 5)
            conns.append(w)
            await asyncio.wait_for(exchange(srv.kind, r, w, "f%d" % i), 3)
        except Exception:
            pass
    await asyncio.gather(*[one(i) for i in range(k)])
    cpu0 = srv.cpu_seconds()
    await asyncio.sleep(2)  # out of descriptors, with connections queued: no busy loop
    spin = srv.cpu_seconds() - cpu0
    for w in conns:
        w.close()
    good = False
    for _ in range(10):
        if await serves(srv, 3):
            good = True
            break
    note = "limit 128 descriptors, %d clients; %.2f s of CPU in 2 s while starved; %s afterwards" % (
        k, spin, "served" if good else "NOT served")
    if not srv.alive() or not good:
        return FAILED, note
    return (HELD if spin < 0.5 else DEGRADED), note


async def p_memory(srv, clients, mib):
    await asyncio.sleep(0.5)  # the runtime's threads have started: they are part of the base
    base = srv.status("VmSize") * 1024
    limit = base + (mib << 20)
    try:
        # The soft limit only: raising it back needs no privilege (a hard limit would).
        old = resource.prlimit(srv.p.pid, resource.RLIMIT_AS, (limit, resource.RLIM_INFINITY))
    except (OSError, ValueError) as e:
        return DEGRADED, "cannot set RLIMIT_AS: %s" % e
    conns = []

    async def one(i):
        try:
            r, w = await connect(srv.addr, 10)
            conns.append(w)
            if srv.kind == "echo":
                w.write(b"m" * (256 << 10))
            elif srv.kind == "chat":
                w.write(b"m%d\n" % i + b"".join(b"%d says something long enough %s\n" % (j, b"." * 200) for j in range(50)))
            else:
                w.write(b"POST /echo HTTP/1.1\r\nHost: s\r\nContent-Length: 262144\r\n\r\n" + b"p" * 262144)
            await asyncio.wait_for(w.drain(), 5)
        except Exception:
            pass
    await asyncio.gather(*[one(i) for i in range(clients)])
    await asyncio.sleep(2)
    for w in conns:
        reset(w)
    try:
        resource.prlimit(srv.p.pid, resource.RLIMIT_AS, old)
    except (OSError, ValueError):
        pass  # it died
    await asyncio.sleep(1)
    good = await serves(srv)
    note = "RLIMIT_AS = %d MiB (+%d MiB), %d clients" % (limit >> 20, mib, clients)
    if not srv.alive():
        return FAILED, note + "; died (%s)" % describe_exit(srv.p.returncode)
    return (HELD if good else FAILED), note + ("; served afterwards" if good else "; NOT served afterwards")


async def p_signals(srv, clients, count):
    stop, errors, rounds = False, 0, 0

    async def chatter(i):
        nonlocal errors, rounds
        try:
            r, w = await connect(srv.addr)
            if srv.kind == "chat":
                await exchange("chat", r, w, "s%d" % i)
                asyncio.ensure_future(r.read(-1))  # reads the room, or it is too slow and cut off
            while not stop:
                if srv.kind == "chat":
                    w.write(b"hello\n")
                    await w.drain()
                    await asyncio.sleep(0.05)
                else:
                    await exchange(srv.kind, r, w, "s%d" % i)
                rounds += 1
            w.close()
        except Exception:
            errors += 1
    tasks = [asyncio.ensure_future(chatter(i)) for i in range(clients)]
    await asyncio.sleep(0.5)  # the clients are connected and busy
    sig = signal.SIGHUP if srv.kind in ("echo", "chat") else None
    sent = 0
    if sig:
        for _ in range(count):
            if not srv.alive():
                break
            os.kill(srv.p.pid, sig)
            sent += 1
            if sent % 100 == 0:
                await asyncio.sleep(0.01)
    else:
        await asyncio.sleep(2)
    good = await serves(srv)
    busy_errors = errors
    # Then SIGINT under load: a graceful exit.
    t0 = time.monotonic()
    srv.p.send_signal(signal.SIGINT)
    try:
        rc = await asyncio.get_running_loop().run_in_executor(None, lambda: srv.p.wait(timeout=15))
    except subprocess.TimeoutExpired:
        rc = None
    took = time.monotonic() - t0
    stop = True
    await asyncio.gather(*tasks, return_exceptions=True)
    note = "%d SIGHUPs to %d busy clients (%d exchanges, %d errors); SIGINT: %s in %.1f s" % (
        sent, clients, rounds, busy_errors, "exit 0" if rc == 0 else describe_exit(rc), took)
    if not good or (sig and sent < count):
        return FAILED, note
    return (HELD if rc == 0 and busy_errors == 0 else DEGRADED), note


def describe_exit(rc):
    if rc is None:
        return "no exit"
    if rc < 0:
        return "killed by %s" % signal.Signals(-rc).name
    return "exit %d" % rc


# --- the driver -------------------------------------------------------------------------------

def probes(short):
    s = short
    return [
        ("clients", lambda srv: p_clients(srv, 500 if s else 10000), {}),
        ("slowloris", lambda srv: p_slowloris(srv, 100 if s else 1000, 3 if s else 10), {}),
        ("huge line", lambda srv: p_huge(srv, (20 if s else 100) << 20), {}),
        ("garbage", lambda srv: p_garbage(srv, 20 if s else 200), {}),
        ("resets mid-write", lambda srv: p_resets(srv, 50 if s else 500), {}),
        ("churn", lambda srv: p_churn(srv, 2000 if s else 100000), {}),
        ("descriptor limit", lambda srv: p_fd_limit(srv, 300), {"nofile": 128}),
        ("memory limit", lambda srv: p_memory(srv, 200 if s else 1000, 64), {}),
        ("signals", lambda srv: p_signals(srv, 50 if s else 200, 2000 if s else 20000), {}),
    ]


def run_probe(kind, binary, backend, name, fn, opts):
    try:
        srv = server(kind, binary, backend, **opts)
    except Exception as e:
        return FAILED, "did not start: %s" % e, 0, 0
    try:
        verdict, note = asyncio.run(asyncio.wait_for(fn(srv), 600))
    except Exception as e:
        verdict, note = FAILED, "probe error: %r" % e
    rss = srv.status("VmHWM") // 1024
    fds = srv.peak_fds
    rc = srv.stop()
    if rc not in (0, None) and name != "signals" and verdict != FAILED:
        verdict, note = DEGRADED, note + "; shutdown: %s" % describe_exit(rc)
    if srv.log_lines > 0:
        note += "; %d log lines" % srv.log_lines
        if verdict != HELD:
            note += " (last: %s)" % srv.last_log[:120].replace("|", "/")
    return verdict, note, rss, fds


def soak(kind, binary, backend, seconds, out):
    """Mixed load for `seconds`, sampling RSS and descriptors each second; a CSV and a PNG."""
    srv = server(kind, binary, backend)
    samples = []
    stop_at = time.monotonic() + seconds

    async def load():
        rnd = random.Random(5)

        async def steady(i):
            while time.monotonic() < stop_at:
                try:
                    r, w = await connect(srv.addr)
                    for _ in range(rnd.randrange(1, 20)):
                        await exchange(kind, r, w, "k%d" % i)
                        if kind == "chat":
                            break
                    reset(w) if rnd.random() < 0.3 else w.close()
                except Exception:
                    await asyncio.sleep(0.1)
                await asyncio.sleep(rnd.random() * 0.05)

        async def sampler():
            t0 = time.monotonic()
            while time.monotonic() < stop_at and srv.alive():
                samples.append((time.monotonic() - t0, srv.status("VmRSS") / 1024, srv.fds()))
                await asyncio.sleep(1)
        await asyncio.gather(sampler(), *[steady(i) for i in range(50)])
    asyncio.run(load())
    alive = srv.alive()
    srv.stop()
    csv = "%s/soak-%s-%s.csv" % (out, kind, backend)
    with open(csv, "w") as f:
        f.write("seconds,rss_mib,descriptors\n")
        for t, rss, fds in samples:
            f.write("%.1f,%.2f,%d\n" % (t, rss, fds))
    png = None
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(8, 4))
        ax.plot([s[0] for s in samples], [s[1] for s in samples], color="tab:blue")
        ax.set_xlabel("seconds")
        ax.set_ylabel("RSS (MiB)", color="tab:blue")
        ax2 = ax.twinx()
        ax2.plot([s[0] for s in samples], [s[2] for s in samples], color="tab:red")
        ax2.set_ylabel("open descriptors", color="tab:red")
        ax.set_title("%s_server soak, %s backend" % (kind, backend))
        fig.tight_layout()
        png = "%s/soak-%s-%s.png" % (out, kind, backend)
        fig.savefig(png)
    except ImportError:
        print("(no PNG: apt-get install -y python3-matplotlib)")
    half = [s[1] for s in samples[len(samples) // 2:]] or [0]
    first = [s[1] for s in samples[:len(samples) // 2]] or [0]
    growth = max(half) - max(first)
    print("soak %s/%s: %d s, %s, RSS %.1f -> %.1f MiB (second half grew %.1f MiB), descriptors %d -> %d; %s%s" % (
        kind, backend, seconds, "alive" if alive else "DIED", samples[0][1] if samples else 0,
        samples[-1][1] if samples else 0, growth, samples[0][2] if samples else 0,
        samples[-1][2] if samples else 0, csv, (", " + png) if png else ""))
    return alive and growth < 16


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True, help="directory with echo_server, chat_server, http_hello")
    ap.add_argument("--short", action="store_true", help="smaller probes (CI: under 2 minutes)")
    ap.add_argument("--soak", type=int, metavar="SECONDS", help="soak instead of probes")
    ap.add_argument("--servers", default="echo,chat,http")
    ap.add_argument("--backends", default="epoll,io_uring")
    ap.add_argument("--probes", default="", help="comma-separated probe names (default: all)")
    ap.add_argument("--out", default=".", help="where the soak's CSV and PNG go")
    a = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # 10k clients need 10k descriptors here
    binaries = {"echo": "echo_server", "chat": "chat_server", "http": "http_hello"}
    servers = [s for s in a.servers.split(",") if s]
    backends = [b for b in a.backends.split(",") if b]
    if a.soak:
        ok = True
        for b in backends:
            for kind in servers:
                ok = soak(kind, os.path.join(a.bin, binaries[kind]), b, a.soak, a.out) and ok
        return 0 if ok else 1

    wanted = [p for p in a.probes.split(",") if p]
    rows, failed = [], 0
    print("| probe | server | backend | result | peak RSS | peak fds | notes |")
    print("|---|---|---|---|---|---|---|")
    sys.stdout.flush()
    for b in backends:
        for kind in servers:
            binary = os.path.join(a.bin, binaries[kind])
            if not os.path.exists(binary):
                print("| (all) | %s | %s | skipped | | | %s not built |" % (kind, b, binary))
                continue
            if kind == "http" and b != "epoll":
                # http_hello has no backend switch: it runs on the default (epoll).
                print("| (all) | http | %s | skipped | | | http_hello runs on the default backend only |" % b)
                continue
            for name, fn, opts in probes(a.short):
                if wanted and name.replace(" ", "-") not in wanted:
                    continue
                t0 = time.monotonic()
                verdict, note, rss, fds = run_probe(kind, binary, b, name, fn, opts)
                failed += verdict == FAILED
                print("| %s | %s | %s | %s | %d MiB | %d | %s (%.0f s) |" % (
                    name, kind, b, verdict, rss, fds, note, time.monotonic() - t0))
                sys.stdout.flush()
    print("\n%d probe(s) failed" % failed if failed else "\nevery probe held or degraded")
    return 1 if failed else 0


sys.exit(main())
