#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""af::http's server next to hyper 0.14 and Boost.Beast 1.81, in the same run (issue 14).

    run.py --smoke   [--build DIR]             every server answers every route right (CI, < 30 s)
    run.py           [--build DIR] [--rounds 3] [--duration 5] [--out docs/benchmarks.md]
    run.py --report  [--build DIR]             rewrite the page section from DIR/http-results.json

It builds what it runs first (cmake targets af_http_server, beast_http_server,
http_hello_client in DIR, configured like the `bench` preset if DIR is new; the hyper server
with Debian's cargo into DIR/hyper; --no-build skips that). Each workload runs on each server
and thread count in turn, the order rotating every round, each run on a freshly started server:
wrk on loopback (-t1 against one server thread, -t2 against two) for hello keep-alive (64
connections), plaintext-style pipelining (256 connections, 16 requests per write), GET 1 MiB
and POST 1 MiB (16 connections each); then the server's RSS per idle keep-alive connection
(10,000 opened, one request each); then callgrind instructions per `GET /` on one thread. A
wrong answer, a non-2xx response or a socket error stops the run (exit 1).
"""
import argparse
import datetime
import json
import os
import platform
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
SERVERS = ["af", "beast", "hyper"]
# af on the thread_per_core runtime, one SO_REUSEPORT listener per worker: measured at two
# threads only (at one it is the current_thread row), in the same rounds as the others.
PER_CORE = "af_tpc"
EXTRA_ARGS = {PER_CORE: ["127.0.0.1:0", "--per-core"]}
LABEL = {"af": "af::http", "beast": "Boost.Beast 1.81", "hyper": "hyper 0.14", PER_CORE: "af::http per core"}
COLOR = {"af": "#d62728", "beast": "#9467bd", "hyper": "#1f77b4"}
MIB = 1 << 20

# workload -> wrk arguments and how to read it. `conns` and the script are the same on every
# server; wrk gets as many threads as the server has.
WORKLOADS = {
    "hello": dict(path="/", conns=64, script=None, title="hello, keep-alive, 64 conns"),
    "pipeline": dict(path="/", conns=256, script="pipeline.lua", title="plaintext: 256 conns, 16 pipelined"),
    "get_1m": dict(path="/1m", conns=16, script=None, title="GET 1 MiB, 16 conns"),
    "post_1m": dict(path="/upload", conns=16, script="upload.lua", title="POST 1 MiB, 16 conns"),
}
IDLE_CONNS = 10_000


def program(build, server):
    return {"af": os.path.join(build, "bench", "http", "af_http_server"),
            PER_CORE: os.path.join(build, "bench", "http", "af_http_server"),
            "beast": os.path.join(build, "bench", "http", "beast_http_server"),
            "hyper": os.path.join(build, "hyper", "release", "hyper_http_server")}[server]


def build_all(build):
    if not os.path.exists(os.path.join(build, "CMakeCache.txt")):
        subprocess.run(["cmake", "-S", ROOT, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
                        "-DAF_BUILD_BENCH=ON", "-DAF_BUILD_TESTS=OFF", "-DAF_BUILD_EXAMPLES=OFF"], check=True)
    subprocess.run(["cmake", "--build", build, "-j2", "--target", "af_http_server", "beast_http_server",
                    "http_hello_client"], check=True)
    # Debian's cargo and rustc, not a rustup toolchain first on PATH: the packaged crates are
    # checked against Debian's compiler (as scripts/bench does for bench/compare/rust).
    env = dict(os.environ, RUSTC="/usr/bin/rustc")
    subprocess.run(["/usr/bin/cargo", "build", "--release", "--quiet", "--target-dir", os.path.join(build, "hyper")],
                   cwd=os.path.join(HERE, "hyper"), env=env, check=True)


class Server:
    """A server process on a free loopback port; stopped with SIGINT (graceful in all three)."""

    def __init__(self, build, server, threads, prefix=()):
        self.name = server
        cmd = list(prefix) + [program(build, server), str(threads)] + EXTRA_ARGS.get(server, [])
        self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.p.stdout.readline()
        m = re.match(r"listening [\d.]+:(\d+)", line)
        if not m:
            self.p.kill()
            raise SystemExit(f"FAILED: {' '.join(cmd)} did not start: {line!r} {self.p.stderr.read()}")
        self.port = int(m.group(1))

    def rss_kb(self):
        with open(f"/proc/{self.p.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self, timeout=30):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
                raise SystemExit(f"FAILED: {self.name} did not stop on SIGINT within {timeout} s")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


# ---- checks (smoke) -------------------------------------------------------------------------

def read_response(sock, buf):
    """One HTTP/1.1 response with Content-Length from sock: (status, headers, body, rest)."""
    while b"\r\n\r\n" not in buf:
        d = sock.recv(65536)
        if not d:
            raise ValueError("connection closed before the head")
        buf += d
    head, _, buf = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers["content-length"])
    while len(buf) < n:
        d = sock.recv(MIB)
        if not d:
            raise ValueError("connection closed in the body")
        buf += d
    return status, headers, buf[:n], buf[n:]


def check(server, port):
    """Every route on one keep-alive connection, then 16 pipelined requests in one write."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    buf = b""

    def expect(req, status, body, ctype=None):
        nonlocal buf
        s.sendall(req)
        st, h, b, buf = read_response(s, buf)
        if st != status or b != body or (ctype and not h.get("content-type", "").startswith(ctype)):
            raise SystemExit(f"FAILED: {server} answered {req[:40]!r} with {st} {h} {b[:40]!r}")

    expect(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 200, b"Hello, World!", "text/plain")
    expect(b"GET /1m HTTP/1.1\r\nHost: x\r\n\r\n", 200, b"x" * MIB)
    expect(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % MIB + b"y" * MIB, 200, b"1048576")
    chunked = b"".join(b"%x\r\n%s\r\n" % (n, b"z" * n) for n in (1, 70000, 5)) + b"0\r\n\r\n"
    expect(b"POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked, 200, b"70006")
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 16)
    for i in range(16):
        st, h, b, buf = read_response(s, buf)
        if st != 200 or b != b"Hello, World!":
            raise SystemExit(f"FAILED: {server}: pipelined answer {i} was {st} {b[:40]!r}")
    s.close()


# ---- measurements ---------------------------------------------------------------------------

def wrk(port, workload, threads, duration, strict=True):
    spec = WORKLOADS[workload]
    cmd = ["wrk", f"-t{threads}", f"-c{spec['conns']}", f"-d{duration}s", "--latency"]
    if spec["script"]:
        cmd += ["-s", os.path.join(HERE, spec["script"])]
    cmd.append(f"http://127.0.0.1:{port}{spec['path']}")
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    out = p.stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errs = re.search(r"Socket errors: (.*)", out)
    if errs and not strict and re.fullmatch(r"connect 0, read 0, write 0, timeout \d+", errs.group(1).strip()):
        # A measured run may see a few requests over wrk's 2 s timeout on an overloaded server
        # (they count as not done); say so, but it is not a wrong answer.
        print(f"  note: wrk on port {port} ({workload}): {errs.group(1).strip()}", flush=True)
        errs = None
    if p.returncode != 0 or not m or bad or errs:
        raise SystemExit(f"FAILED: {' '.join(cmd)}:\n{out}{p.stderr}")
    return float(m.group(1))


def idle_conns(srv, n):
    """Opens n keep-alive connections, one `GET /` answered on each, and returns the server's
    RSS growth per connection in bytes (base taken after one warm-up request)."""
    w = socket.create_connection(("127.0.0.1", srv.port))
    w.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    read_response(w, b"")
    time.sleep(0.2)
    base = srv.rss_kb()
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        st, _, b, _ = read_response(s, b"")
        if st != 200 or b != b"Hello, World!":
            raise SystemExit(f"FAILED: {srv.name}: idle connection answered {st} {b!r}")
        socks.append(s)
    time.sleep(0.5)
    peak = srv.rss_kb()
    for s in socks:
        s.close()
    w.close()
    return (peak - base) * 1024.0 / n


def callgrind(build, server, n):
    """Instructions the one-thread server executes for n sequential `GET /` on one connection
    (start-up, accept and shutdown included; the caller subtracts two counts)."""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "cg.out")
        with Server(build, server, 1, prefix=["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]) as srv:
            client = os.path.join(build, "bench", "http", "http_hello_client")
            p = subprocess.run([client, "127.0.0.1", str(srv.port), str(n)], capture_output=True, text=True, timeout=600)
            if p.returncode != 0:
                raise SystemExit(f"FAILED: http_hello_client against {server} under callgrind: {p.stderr}")
            srv.stop(timeout=120)
        total = 0
        for f in os.listdir(d):  # one file per process (and per thread with --separate-threads)
            for line in open(os.path.join(d, f)):
                if line.startswith("totals:") or line.startswith("summary:"):
                    total += int(line.split()[1])
                    break
        if not total:
            raise SystemExit(f"no instruction total for {server}")
        return total


# ---- modes ----------------------------------------------------------------------------------

def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # inherited by the servers
    return hard


def smoke(args):
    t0 = time.time()
    for threads in (1, 2):
        for server in SERVERS + ([PER_CORE] if threads == 2 else []):
            with Server(args.build, server, threads) as srv:
                check(server, srv.port)
                rps = {w: wrk(srv.port, w, 1, 1) for w in ("hello", "pipeline")}
                per_conn = idle_conns(srv, 100)
            print(f"  ok  {server:6} {threads} thread(s)  hello {rps['hello']:9.0f} req/s  "
                  f"pipelined {rps['pipeline']:9.0f} req/s  idle {per_conn:7.0f} B/conn", flush=True)
    print(f"smoke: all servers answered right in {time.time() - t0:.1f}s")


def measure(args):
    t0 = time.time()
    results = {}  # "server/threads/workload" -> [per round]
    nofile = raise_nofile()
    n_idle = min(IDLE_CONNS, (nofile - 100) // 2)  # the client and the server in one limit each
    load = [os.getloadavg()]
    for rnd in range(args.rounds):
        order = SERVERS[rnd % 3:] + SERVERS[:rnd % 3]
        for threads in (1, 2):
            for w in list(WORKLOADS) + ["idle"]:
                for server in order + ([PER_CORE] if threads == 2 else []):
                    with Server(args.build, server, threads) as srv:
                        if w == "idle":
                            v = idle_conns(srv, n_idle)
                        else:
                            v = wrk(srv.port, w, threads, args.duration, strict=False)
                    results.setdefault(f"{server}/{threads}/{w}", []).append(v)
                    with open(os.path.join(args.build, "http-results.partial.json"), "w") as f:
                        json.dump(results, f)
                    print(f"round {rnd + 1} {server:6} {threads}t {w:9} {v:12.1f}", flush=True)
        load.append(os.getloadavg())
    instr = {}
    if not args.no_callgrind:
        n1, n2 = 2_000, 12_000
        for server in SERVERS:
            a, b = callgrind(args.build, server, n1), callgrind(args.build, server, n2)
            instr[server] = (b - a) / (n2 - n1)
            print(f"callgrind {server:6} {instr[server]:10.0f} instructions per request", flush=True)
    raw = dict(date=datetime.date.today().isoformat(), rounds=args.rounds, duration=args.duration,
               seconds=time.time() - t0, idle_conns=n_idle, results=results, instr=instr,
               load=load, af_commit=sh(f"git -C {ROOT} rev-parse --short HEAD"))
    with open(os.path.join(args.build, "http-results.json"), "w") as f:
        json.dump(raw, f, indent=1)
    report(args, raw)


def sh(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()


def ratio(af, peer, higher_is_better):
    """af's advantage: >1 means af is ahead (more req/s, or fewer bytes)."""
    return af / peer if higher_is_better else peer / af


def report(args, raw):
    res = raw["results"]
    med = {k: statistics.median(v) for k, v in res.items()}
    rows = []
    head = ("| workload | threads | af::http | Beast | hyper | af/hyper (min-max) | af/Beast (min-max) |\n"
            "| --- | --- | --- | --- | --- | --- | --- |")
    for w in list(WORKLOADS) + ["idle"]:
        title = WORKLOADS[w]["title"] + " (req/s)" if w in WORKLOADS else \
            f"idle keep-alive, {raw['idle_conns']:,} conns (server RSS, B/conn)"
        hib = w != "idle"
        for threads in (1, 2):
            k = lambda s: f"{s}/{threads}/{w}"
            if k("af") not in med:
                continue
            cells = [f"{med[k(s)]:,.0f}" for s in SERVERS]
            rat = []
            for peer in ("hyper", "beast"):
                # Ratios round by round: the servers of one round ran back to back.
                per = [ratio(a, p, hib) for a, p in zip(res[k("af")], res[k(peer)])]
                r = statistics.median(per)
                cell = f"{r:.2f}x ({min(per):.2f}-{max(per):.2f})"
                rat.append(f"**{cell}**" if round(r, 2) > 1 else cell)  # bold: ahead, not a tie
            rows.append(f"| {title} | {threads} | " + " | ".join(cells) + " | " + " | ".join(rat) + " |")
    # The per-core rows: af on thread_per_core with a listener per worker, against the same
    # runs of Beast and hyper at two threads.
    for w in list(WORKLOADS) + ["idle"]:
        k = lambda s: f"{s}/2/{w}"
        if k(PER_CORE) not in med:
            continue
        hib = w != "idle"
        title = (WORKLOADS[w]["title"] + " (req/s)" if w in WORKLOADS else
                 f"idle keep-alive, {raw['idle_conns']:,} conns (server RSS, B/conn)") + ", af per core"
        cells = [f"{med[k(PER_CORE)]:,.0f}"] + [f"{med[k(s)]:,.0f}" for s in SERVERS[1:]]
        rat = []
        for peer in ("hyper", "beast"):
            per = [ratio(a, p, hib) for a, p in zip(res[k(PER_CORE)], res[k(peer)])]
            r = statistics.median(per)
            cell = f"{r:.2f}x ({min(per):.2f}-{max(per):.2f})"
            rat.append(f"**{cell}**" if round(r, 2) > 1 else cell)
        rows.append(f"| {title} | 2 | " + " | ".join(cells) + " | " + " | ".join(rat) + " |")
    table = head + "\n" + "\n".join(rows)
    instr = raw.get("instr", {})
    cg = ""
    if instr:
        cg = ("| | af::http | Beast | hyper | af/hyper | af/Beast |\n| --- | --- | --- | --- | --- | --- |\n"
              f"| instructions per `GET /` (1 thread) | {instr['af']:,.0f} | {instr['beast']:,.0f} | "
              f"{instr['hyper']:,.0f} | {instr['hyper'] / instr['af']:.2f}x | {instr['beast'] / instr['af']:.2f}x |")
    print(table + "\n\n" + cg)
    plot(med, instr, raw, os.path.join(ROOT, "docs", "benchmarks", "http.png"))
    load = ", ".join(f"{l[0]:.2f}" for l in raw.get("load", []))
    # The reading of the numbers (where af is behind and why) is written by hand, next to run.py.
    notes_path = os.path.join(HERE, "notes.md")
    notes = open(notes_path).read().strip() if os.path.exists(notes_path) else ""
    section = f"""<!-- http:begin (generated by bench/http/run.py; edit that, not this section) -->
## HTTP server: af::http next to hyper and Boost.Beast

The same three routes on three servers, measured in one run on {raw["date"]} (af {raw.get("af_commit", "?")}):
`bench/http/af_http_server.cpp` (`af::http::server` as a user writes it),
`bench/http/beast_server.cpp` (Boost.Beast 1.81, coroutines, written the way Beast's examples
are) and `bench/http/hyper/` (hyper 0.14.19 on tokio 1.24, Debian's crates, hyper's example
shape with `http1_pipeline_flush(true)`). One thread: af `current_thread`, Beast one thread on
its `io_context`, tokio `current_thread`; two threads: af `multi_thread` with 2 workers, Beast's
`io_context` run by 2 threads (a strand per connection), tokio `multi_thread` with 2 workers.
The rows marked "af per core" run af on the `thread_per_core` runtime with 2 workers, each
serving its own `SO_REUSEPORT` listener on the same port (`af_http_server 2 --per-core`),
against the same rounds of Beast and hyper at two threads.
wrk on loopback with as many threads as the server, {raw["duration"]} s per run, each run on a
freshly started server; {raw["rounds"]} rounds, the order of the servers rotating each round.
Cells are medians; ratios are af's advantage (bold above 1.00: af ahead) taken round by round, the
median with the min-max of the rounds. The machine has 2 vCPUs shared with other jobs
(load averages at the start and after each round: {load}), so the wall-clock rows are noisy;
the callgrind row is not.

![af::http vs hyper and Beast](benchmarks/http.png)

{table}

Instructions per request (callgrind, one-thread servers, all threads of the process counted):
`http_hello_client` sends 2,000 and then 12,000 sequential `GET /` on one keep-alive
connection to a server started under `valgrind --tool=callgrind`; the difference of the two
totals divided by 10,000 leaves start-up, accept and shutdown out.

{cg}

{notes}

Reproduce: `python3 bench/http/run.py --build build/bench` (builds, runs, rewrites this section
and the plot); `python3 bench/http/run.py --smoke --build build/bench` checks every route of
every server in under 30 s.
<!-- http:end -->"""
    page = open(args.out).read() if os.path.exists(args.out) else ""
    b, e = page.find("<!-- http:begin"), page.find("<!-- http:end -->")
    if b >= 0 and e > b:
        page = page[:b] + section + page[e + len("<!-- http:end -->"):]
    else:
        at = page.find("## The machine")
        page = page[:at] + section + "\n\n" + page[at:] if at >= 0 else page + "\n" + section + "\n"
    with open(args.out, "w") as f:
        f.write(page)
    print(f"wrote {os.path.relpath(args.out, ROOT)} (HTTP section) and docs/benchmarks/http.png")


def plot(med, instr, raw, path):
    try:
        import matplotlib
    except ImportError:  # e.g. a pyenv python without it: Debian's python3-matplotlib is /usr/bin/python3's
        print("matplotlib not found: plot not redrawn (run with /usr/bin/python3)")
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [(w, WORKLOADS[w]["title"], "requests/s (higher is better)") for w in WORKLOADS]
    panels.append(("idle", f"idle keep-alive, {raw['idle_conns']:,} conns", "server RSS bytes/conn (lower is better)"))
    fig, axes = plt.subplots(2, 3, figsize=(15, 8))
    for ax, (w, title, ylabel) in zip(axes.flat, panels):
        for ti, threads in enumerate((1, 2)):
            for si, s in enumerate(SERVERS):
                k = f"{s}/{threads}/{w}"
                if k in med:
                    x = ti + (si - 1) * 0.27
                    ax.bar(x, med[k], 0.25, color=COLOR[s], label=LABEL[s] if ti == 0 else None)
                    ax.text(x, med[k], f"{med[k]:,.0f}", ha="center", va="bottom", fontsize=7)
        ax.set_xticks([0, 1], ["1 thread", "2 threads"])
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.margins(y=0.15)
    ax = axes.flat[5]
    if instr:
        for si, s in enumerate(SERVERS):
            ax.bar(si, instr[s], 0.6, color=COLOR[s])
            ax.text(si, instr[s], f"{instr[s]:,.0f}", ha="center", va="bottom", fontsize=7)
        ax.set_xticks(range(3), [LABEL[s] for s in SERVERS], fontsize=8)
        ax.set_title("instructions per GET / (callgrind, 1 thread)", fontsize=10)
        ax.set_ylabel("instructions (lower is better)", fontsize=8)
        ax.margins(y=0.15)
    else:
        ax.axis("off")
    axes.flat[0].legend(fontsize=8)
    fig.suptitle("af::http vs hyper 0.14 and Boost.Beast 1.81 (medians; see docs/benchmarks.md)")
    fig.tight_layout()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fig.savefig(path, dpi=80)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="check every server quickly (CI)")
    ap.add_argument("--report", action="store_true", help="rewrite the page from DIR/http-results.json")
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "bench"))
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    ap.add_argument("--no-callgrind", action="store_true")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "benchmarks.md"))
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    if args.report:
        with open(os.path.join(args.build, "http-results.json")) as f:
            report(args, json.load(f))
        return
    if not args.no_build:
        build_all(args.build)
    if args.smoke:
        raise_nofile()
        smoke(args)
    else:
        measure(args)


if __name__ == "__main__":
    main()
