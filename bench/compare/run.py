#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs the side-by-side comparison of af with tokio, futures-rs and Asio (driven by scripts/bench).

    run.py smoke   --build DIR            every workload on every system at 1% size, once
    run.py compare --build DIR [--rounds 5] [--out docs/benchmarks.md]
                   [--workloads a,b [--keep-others]]
    run.py report  --build DIR            rewrite the page from DIR/compare-results.json

smoke fails (exit 1) on a wrong result, a malformed result line, or a program that has not
finished after 60 s (a stall); compare allows 600 s per program.

`compare` runs each workload on every system, round-robin (the order rotates each round so no
system always runs first or last on the noisy machine), takes the median of the rounds, counts
instructions with callgrind for the single-thread systems at a reduced size, and writes the
results page and its plot. Every program checks its own result and exits non-zero when it is
wrong; a failing run stops the comparison, so a broken system cannot report a fast time.
"""
import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))

# system -> (program, label). The programs live in the build directory (C++) and in its rust/
# subdirectory (cargo's target dir).
SYSTEMS = {
    "af-rt-ct": ("af_compare", "af::rt current_thread"),
    "af-local": ("af_compare", "af local_pool"),
    "tokio-ct": ("rust/release/tokio_compare", "tokio current_thread"),
    "futures-local": ("rust/release/futures_compare", "futures LocalPool"),
    "asio-1t": ("asio_compare", "Asio io_context, 1 thread"),
    "af-rt-mt2": ("af_compare", "af::rt multi_thread, 2 workers"),
    "af-pool2": ("af_compare", "af thread_pool(2)"),
    "tokio-mt2": ("rust/release/tokio_compare", "tokio multi_thread, 2 workers"),
    "futures-pool2": ("rust/release/futures_compare", "futures ThreadPool(2)"),
    "asio-2t": ("asio_compare", "Asio io_context, 2 threads"),
    # The runtimes with only the drivers a workload needs (none for channels and yields): a real
    # user choice, compared like with like (af with tokio) in a table of its own.
    "af-rt-ct-min": ("af_compare", "af::rt current_thread, minimal drivers"),
    "tokio-ct-min": ("rust/release/tokio_compare", "tokio current_thread, minimal drivers"),
    "af-rt-mt2-min": ("af_compare", "af::rt multi_thread 2, minimal drivers"),
    "tokio-mt2-min": ("rust/release/tokio_compare", "tokio multi_thread 2, minimal drivers"),
}
# af-rt-* and tokio-* enable every driver (enable_all), as users build a runtime.
SINGLE = ["af-rt-ct", "af-local", "tokio-ct", "futures-local", "asio-1t"]
MULTI = ["af-rt-mt2", "af-pool2", "tokio-mt2", "futures-pool2", "asio-2t"]
MIN_SINGLE = ["af-rt-ct-min", "tokio-ct-min"]
MIN_MULTI = ["af-rt-mt2-min", "tokio-mt2-min"]
MINIMAL = set(MIN_SINGLE + MIN_MULTI)
FAMILY = {"af": "#d62728", "tokio": "#1f77b4", "futures": "#2ca02c", "asio": "#9467bd"}
# af's own executors (local_pool, thread_pool) run only the executor workloads; channels and
# timers are measured on af::rt. futures-rs has no timer.
POOLS = {"af-local", "af-pool2"}
EXECUTOR_ONLY = {"spawn_join", "yield", "chain", "idle_memory"}
# The workloads run with minimal drivers too: those that need none (timeout_recv: time only).
MINIMAL_WORKLOADS = {"spawn_join", "yield", "chain", "ping_pong", "mpsc", "oneshot", "yield_main",
                     "ping_pong_main", "await_chain", "timeout_recv"}

# workload -> full size, smoke size (1%), callgrind size, what one "op" is, metric. A workload
# with "of" is not run: it is a second value (peak memory) of another workload's runs.
WORKLOADS = {
    "spawn_join": dict(full=[1_000_000], smoke=[10_000], cg=[100_000], op="task", metric="time",
                       title="spawn and join 1M tasks"),
    "yield": dict(full=[1_000, 1_000], smoke=[100, 100], cg=[100, 1_000], op="yield", metric="time",
                  title="1,000 tasks x 1,000 yields"),
    "chain": dict(full=[1_000_000], smoke=[10_000], cg=[100_000], op="level", metric="time",
                  title="1M-deep chain of spawns"),
    "idle_memory": dict(full=[1_000_000], smoke=[10_000], cg=None, op="task", metric="memory",
                        title="peak memory of 1M idle tasks"),
    "ping_pong": dict(full=[1_000_000], smoke=[10_000], cg=[100_000], op="round trip", metric="time",
                      title="1M ping-pong round trips"),
    "mpsc": dict(full=[4, 1_000_000], smoke=[4, 10_000], cg=[4, 100_000], op="message", metric="time",
                 title="4 producers x 1M messages, bounded(1024)"),
    "oneshot": dict(full=[1_000_000], smoke=[10_000], cg=[100_000], op="oneshot", metric="time",
                    title="1M oneshot create-send-receive"),
    # The main task in block_on, as `#[tokio::main] async fn main` runs it (issue 20).
    "yield_main": dict(full=[100_000], smoke=[1_000], cg=[10_000], op="yield", metric="time",
                       title="100,000 yields of the main task (block_on)"),
    "ping_pong_main": dict(full=[200_000], smoke=[2_000], cg=[20_000], op="round trip", metric="time",
                           title="200,000 ping-pong round trips, pinger in block_on"),
    "await_chain": dict(full=[10_000], smoke=[100], cg=[1_000], op="chain", metric="time",
                        title="10,000 await chains of depth 100 in block_on (leaf yields)"),
    "timeout_recv": dict(full=[200_000], smoke=[2_000], cg=[20_000], op="message", metric="time",
                         title="200,000 receives, each under a 1 s timeout (bounded(1))"),
    "sleep": dict(full=[100_000], smoke=[1_000], cg=[10_000], op="run", metric="wall", cg_op="sleeping task",
                  title="100,000 tasks sleeping 1 ms (wall)"),
    "sleep_memory": dict(of="sleep", cg=None, op="task", metric="memory",
                         title="peak memory, 100,000 sleeping tasks"),
    # Network (loopback): n connections x m round trips of 1 KiB; n idle connections. The
    # programs cap idle_conns at what RLIMIT_NOFILE allows (two descriptors per connection) and
    # report the count they really used as "n": memory is divided by that count.
    "tcp_echo": dict(full=[64, 2_000], smoke=[64, 20], cg=[64, 200], op="round trip", metric="time",
                     title="TCP echo, 64 conns x 2,000 x 1 KiB"),
    "idle_conns": dict(full=[10_000], smoke=[100], cg=None, op="connection", metric="memory",
                       title="peak memory of 10,000 idle TCP connections"),
}
NETWORK = {"tcp_echo", "idle_conns"}


def supports(system, workload):
    workload = WORKLOADS[workload].get("of", workload)
    if system in POOLS:
        return workload in EXECUTOR_ONLY
    if system in MINIMAL:
        return workload in MINIMAL_WORKLOADS
    if system.startswith("futures") and (workload in ("sleep", "timeout_recv") or workload in NETWORK):
        return False  # futures-rs has no timer and no sockets
    return True


def ops(workload, size):
    return size[0] * size[1] if len(size) > 1 else size[0]


def run_one(build, system, workload, size, prefix=(), timeout=600):
    prog = os.path.join(build, SYSTEMS[system][0])
    cmd = list(prefix) + [prog, system, workload] + [str(x) for x in size]
    # A run that does not finish is a failure of the system under test (a stall: every thread
    # parked with work queued), never something to retry or report around.
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise SystemExit(f"FAILED: {' '.join(cmd)}: no result after {timeout} s (a stall)")
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        raise SystemExit(f"FAILED: {' '.join(cmd)} (exit {p.returncode})")
    lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
    if len(lines) != 1:
        raise SystemExit(f"FAILED: {' '.join(cmd)}: expected one JSON line, got {p.stdout!r}")
    r = json.loads(lines[0])
    if r.get("check") != "ok" or r["system"] != system or r["workload"] != workload:
        raise SystemExit(f"FAILED: {' '.join(cmd)}: {lines[0]}")
    return r


def value(r, workload, size):
    """ns per op for timed workloads, ms for wall-time ones, bytes per task for memory ones."""
    metric = WORKLOADS[workload]["metric"]
    if metric == "memory":
        # r["n"]: the count the program really used (idle_conns may be capped by RLIMIT_NOFILE).
        return (r["rss_peak_kb"] - r["rss_base_kb"]) * 1024.0 / r["n"]
    if metric == "wall":
        return r["seconds"] * 1e3
    return r["seconds"] * 1e9 / ops(workload, size)


def unit(workload):
    spec = WORKLOADS[workload]
    return {"memory": "B/" + spec["op"], "wall": "ms"}.get(spec["metric"], "ns/" + spec["op"])


def derived(workload):
    """The workloads whose value comes from `workload`'s runs (sleep -> sleep_memory)."""
    return [w for w, spec in WORKLOADS.items() if spec.get("of") == workload]


ONLY = None  # --workloads: run only these (smoke, or a partial compare that is reported as such)


def run_workloads():
    return [w for w, spec in WORKLOADS.items() if "of" not in spec and (ONLY is None or w in ONLY)]


def smoke(args):
    t0 = datetime.datetime.now()
    n = 0
    for w in run_workloads():
        spec = WORKLOADS[w]
        for s in SYSTEMS:
            if not supports(s, w):
                continue
            r = run_one(args.build, s, w, spec["smoke"], timeout=60)
            extra = "".join(f"  {value(r, d, spec['smoke']):8.0f} {unit(d)}" for d in derived(w))
            print(f"  ok  {s:14} {w:12} {value(r, w, spec['smoke']):10.1f} {unit(w)}{extra}")
            n += 1
    print(f"smoke: {n} runs ok in {(datetime.datetime.now() - t0).total_seconds():.1f}s")


def callgrind(build, system, workload, size):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "cg.out")
        run_one(build, system, workload, size, timeout=900, prefix=[
            "valgrind", "--tool=callgrind", "--collect-atstart=no", "--toggle-collect=*bench_run_*",
            f"--callgrind-out-file={out}"])
        with open(out) as f:
            for line in f:
                if line.startswith("summary:") or line.startswith("totals:"):
                    return int(line.split()[1])
    raise SystemExit(f"no instruction total for {system} {workload}")


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def machine():
    lscpu = sh("lscpu")
    keep = ["Architecture", "Model name", "CPU(s)", "Thread(s) per core", "Core(s) per socket",
            "Hypervisor vendor", "L2 cache", "L3 cache"]
    rows = []
    for line in lscpu.splitlines():
        k, _, v = line.partition(":")
        if k.strip() in keep:
            rows.append((k.strip(), v.strip()))
    mem = sh("awk '/MemTotal/ {printf \"%.1f GiB\", $2/1048576}' /proc/meminfo")
    rows.append(("Memory", mem))
    rows.append(("Kernel", platform.release()))
    rows.append(("C++ compiler", sh("g++ --version | head -1") + ", -O2"))
    rows.append(("Rust compiler", sh("/usr/bin/rustc --version") + ", cargo release profile (opt-level 3)"))
    boost = sh("dpkg-query -W -f='${Version}' libboost1.81-dev")
    rows.append(("Asio", f"Boost.Asio from libboost1.81-dev {boost}"))
    lock = os.path.join(HERE, "rust", "Cargo.lock")
    if os.path.exists(lock):
        text = open(lock).read()
        for crate in ("tokio", "futures"):
            m = re.search(r'name = "%s"\nversion = "([^"]+)"' % crate, text)
            if m:
                rows.append((crate, m.group(1) + " (Debian package)"))
    return rows


def ratio_cell(peer, af, lower_is_better=True):
    if af <= 0 or peer <= 0:
        return "n/a"
    r = peer / af if lower_is_better else af / peer
    return f"**{r:.2f}x**" if r >= 1 else f"{r:.2f}x (behind)"


def fmt(v, metric):
    if metric == "memory":
        return f"{v:.0f} B"
    if metric == "wall":
        return f"{v:.1f} ms"
    return f"{v:.0f} ns" if v >= 10 else f"{v:.1f} ns"


def is_af(s):
    return s.startswith("af-")


def best(med, systems, w, pred):
    """(value, system) of the cheapest system among `systems` that satisfy pred, or None."""
    have = [(med[(s, w)], s) for s in systems if pred(s) and (s, w) in med]
    return min(have) if have else None


def table(med, systems, spreads, workloads=None):
    af = systems[0]
    head = ("| workload | " + " | ".join(f"`{s}`" for s in systems) +
            f" | `{af}` vs best peer | best af vs best peer |")
    lines = [head, "|" + " --- |" * (len(systems) + 3)]
    for w, spec in WORKLOADS.items():
        if workloads is not None and w not in workloads:
            continue
        if not any((s, w) in med for s in systems):
            continue  # not run (a partial run)
        unit = f"per {spec['op']}" if spec["metric"] == "memory" else ("total" if spec["metric"] == "wall" else f"per {spec['op']}")
        cells = []
        for s in systems:
            if (s, w) in med:
                cells.append(f"{fmt(med[(s, w)], spec['metric'])} <sub>±{spreads[(s, w)]:.0f}%</sub>")
            else:
                cells.append("n/a")
        peer = best(med, systems, w, lambda s: not is_af(s))
        mine = best(med, systems, w, is_af)
        r1 = ratio_cell(peer[0], med[(af, w)]) + f" <sub>{peer[1]}</sub>" if peer and (af, w) in med else "n/a"
        r2 = ratio_cell(peer[0], mine[0]) + f" <sub>{mine[1]}</sub>" if peer and mine else "n/a"
        lines.append(f"| {spec['title']} ({unit}{spec.get('note', '')}) | " + " | ".join(cells) + f" | {r1} | {r2} |")
    return "\n".join(lines)


def plot(med, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(4, 4, figsize=(18, 14.5))
    shown = [(w, spec) for w, spec in WORKLOADS.items() if any(k[1] == w for k in med)]
    for ax, (w, spec) in zip(axes.flat, shown):
        groups = [("1 thread", SINGLE), ("2 threads", MULTI)]
        width = 0.16
        labelled = set()
        for gi, (gname, systems) in enumerate(groups):
            for si, s in enumerate(systems):
                if (s, w) not in med:
                    continue
                fam = s.split("-")[0]
                v = med[(s, w)]
                x = gi + (si - 2) * width
                # af's own pools hatched, af::rt solid.
                ax.bar(x, v, width * 0.95, color=FAMILY[fam], hatch="//" if s in POOLS else None,
                       label=(fam if fam not in labelled else None))
                labelled.add(fam)
                ax.text(x, v, f"{v:.0f}" if v >= 10 else f"{v:.1f}", ha="center", va="bottom", fontsize=6)
        ax.set_xticks([0, 1], [g[0] for g in groups])
        unit = {"memory": f"bytes per {spec['op']}", "wall": "ms in total"}.get(spec["metric"], f"ns per {spec['op']}")
        ax.set_ylabel(unit + " (lower is better)", fontsize=8)
        ax.set_title(spec["title"], fontsize=10)
        ax.margins(y=0.15)
    for ax in list(axes.flat)[len(shown):]:
        ax.axis("off")
    axes.flat[0].legend(loc="upper left", fontsize=8)
    fig.suptitle("af vs tokio, futures-rs and Asio (medians; hatched: af's local_pool/thread_pool; see docs/benchmarks.md)")
    fig.tight_layout()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fig.savefig(path, dpi=90)


def compare(args):
    t0 = datetime.datetime.now()
    results = {}  # (system, workload) -> [values]
    measured_n = {}  # workload -> the count a program really used, when it was capped
    order = list(SYSTEMS)
    for rnd in range(args.rounds):
        rot = order[rnd % len(order):] + order[:rnd % len(order)]
        for w in run_workloads():
            spec = WORKLOADS[w]
            for s in rot:
                if not supports(s, w):
                    continue
                r = run_one(args.build, s, w, spec["full"])
                for k in [w] + derived(w):
                    results.setdefault((s, k), []).append(value(r, k, spec["full"]))
                if r["n"] != spec["full"][0]:
                    measured_n[w] = r["n"]
        print(f"round {rnd + 1}/{args.rounds} done ({(datetime.datetime.now() - t0).total_seconds():.0f}s)", flush=True)
    instr = {}
    if not args.no_callgrind:
        for w, spec in WORKLOADS.items():
            if spec["cg"] is None or w not in run_workloads():
                continue
            for s in SINGLE:
                if not supports(s, w):
                    continue
                ir = callgrind(args.build, s, w, spec["cg"])
                instr[(s, w)] = ir / ops(w, spec["cg"])
                print(f"callgrind {s:14} {w:12} {instr[(s, w)]:10.0f} instructions per {spec['op']}", flush=True)
    took = (datetime.datetime.now() - t0).total_seconds()
    commit = args.af_commit or sh(f"git -C {ROOT} rev-parse --short HEAD")
    if not args.af_commit and sh(f"git -C {ROOT} status --porcelain -- include src CMakeLists.txt"):
        commit += " + uncommitted changes"
    raw = dict(date=datetime.date.today().isoformat(), rounds=args.rounds, seconds=took, af_commit=commit,
               results=[[s, w, v] for (s, w), v in results.items()],
               instr=[[s, w, v] for (s, w), v in instr.items()], measured_n=measured_n)
    if ONLY is not None:
        raw["only"] = sorted(ONLY)
    path = os.path.join(args.build, "compare-results.json")
    if args.keep_others and ONLY is not None and os.path.exists(path):
        # A partial run: the rows not re-run keep the earlier run's figures, and the page says so.
        with open(path) as f:
            old = json.load(f)
        raw["results"] += [r for r in old["results"] if r[1] not in ONLY]
        raw["instr"] += [r for r in old["instr"] if r[1] not in ONLY]
        raw["partial"] = dict(rerun=sorted(ONLY), earlier_commit=old.get("af_commit", "?"),
                              earlier_date=old.get("date", "?"), earlier_rounds=old.get("rounds", "?"))
    with open(path, "w") as f:
        json.dump(raw, f)
    write_report(args, raw)


def write_report(args, raw):
    results = {(s, w): v for s, w, v in raw["results"]}
    instr = {(s, w): v for s, w, v in raw["instr"]}
    took = raw["seconds"]
    for w, n in raw.get("measured_n", {}).items():
        WORKLOADS[w]["note"] = f"; measured {n:,}, the most RLIMIT_NOFILE allows"
    med = {k: statistics.median(v) for k, v in results.items()}
    # Spread: half the min-max range, as a percentage of the median.
    spreads = {k: (max(v) - min(v)) / 2 / med[k] * 100 if med[k] else 0 for k, v in results.items()}

    single = table(med, SINGLE, spreads)
    multi = table(med, MULTI, spreads)
    minimal = "\n\n".join(table(med, systems, spreads, MINIMAL_WORKLOADS) for systems in (MIN_SINGLE, MIN_MULTI)
                          if any((systems[0], w) in med for w in WORKLOADS))
    print("\nsingle thread (median ns per op; bytes per task for memory)\n" + single)
    print("\ntwo threads\n" + multi)

    cg_lines = []
    if instr:
        cg_lines.append("| workload (callgrind size) | " + " | ".join(f"`{s}`" for s in SINGLE) +
                        " | `af-rt-ct` vs best peer |")
        cg_lines.append("|" + " --- |" * (len(SINGLE) + 2))
        for w, spec in WORKLOADS.items():
            if spec["cg"] is None or ("af-rt-ct", w) not in instr:
                continue
            size = " x ".join(f"{x:,}" for x in spec["cg"])
            cells = [f"{instr[(s, w)]:,.0f}" if (s, w) in instr else "n/a" for s in SINGLE]
            peer = best(instr, SINGLE, w, lambda s: not is_af(s))
            r = ratio_cell(peer[0], instr[("af-rt-ct", w)]) + f" <sub>{peer[1]}</sub>" if peer else "n/a"
            cg_lines.append(f"| {spec['title']} ({size}; per {spec.get('cg_op', spec['op'])}) | " +
                            " | ".join(cells) + f" | {r} |")
        print("\ninstructions per op (callgrind)\n" + "\n".join(cg_lines))

    behind = []
    for group, systems in (("single thread", SINGLE), ("two threads", MULTI),
                           ("single thread, minimal drivers", MIN_SINGLE), ("two threads, minimal drivers", MIN_MULTI)):
        af = systems[0]
        for w, spec in WORKLOADS.items():
            for s in systems:
                if is_af(s) or (s, w) not in med or (af, w) not in med:
                    continue
                if med[(s, w)] < med[(af, w)]:
                    behind.append(f"- {spec['title']} ({group}): `{af}` {fmt(med[(af, w)], spec['metric'])}, "
                                  f"`{s}` {fmt(med[(s, w)], spec['metric'])} "
                                  f"({med[(af, w)] / med[(s, w)]:.2f}x of its cost)")
    for (s, w), v in instr.items():
        if not is_af(s) and v < instr[("af-rt-ct", w)]:
            behind.append(f"- instructions, {WORKLOADS[w]['title']}: `af-rt-ct` {instr[('af-rt-ct', w)]:,.0f}, "
                          f"`{s}` {v:,.0f} per {WORKLOADS[w]['op']}")

    plot(med, os.path.join(ROOT, "docs", "benchmarks", "compare.png"))
    notes_path = os.path.join(HERE, "notes.md")
    notes = open(notes_path).read().strip() if os.path.exists(notes_path) else ""
    mach = "\n".join(f"| {k} | {v} |" for k, v in machine() + [("af", raw.get("af_commit", "?"))])
    # The "HTTP server" section belongs to bench/http/run.py: keep it as that script last wrote it.
    http_section = ""
    if os.path.exists(args.out):
        with open(args.out) as f:
            old_page = f.read()
        b, e = old_page.find("<!-- http:begin"), old_page.find("<!-- http:end -->")
        if b >= 0 and e > b:
            http_section = old_page[b:e + len("<!-- http:end -->")] + "\n\n"
    partial_note = ""
    if raw.get("partial"):
        p = raw["partial"]
        partial_note = (f" Only these rows were re-run then, at af {raw.get('af_commit', '?')}: "
                        + ", ".join(f"`{w}`" for w in p["rerun"])
                        + f"; the other rows are from the run of {p['earlier_date']} ({p['earlier_rounds']} rounds) "
                        f"at af {p['earlier_commit']}.")
    elif raw.get("only"):
        partial_note = (" Only these rows were run: " + ", ".join(f"`{w}`" for w in raw["only"])
                        + ". The other workloads were not re-run in this configuration; their figures in the "
                        "lighter configuration of before issue 20 are in this page's git history.")
    page = f"""<!-- Generated by `scripts/bench compare` from bench/compare/run.py and bench/compare/notes.md; edit those, not this page. -->
# Benchmarks: af next to tokio, futures-rs and Asio

af's runtime (`af::rt`) and executors against the runtimes C++ and Rust users have today, on
the same machine in the same run: spawning and join handles, yields, channels (ping-pong, a
bounded mpsc with four producers, oneshots), timers and TCP sockets over loopback (an echo
with 64 connections, and the memory of idle connections).

Measured on {raw["date"]} with `scripts/bench compare` ({raw["rounds"]} rounds,
round-robin across systems, {took / 60:.1f} minutes including callgrind).{partial_note} Each cell is the median of
the rounds; the small number is the spread (half the min-max range, as a percentage of the
median). Ratios are the peer's cost divided by af's: above 1 (bold) af is ahead, below 1 af is
behind.

![af vs tokio, futures-rs and Asio](benchmarks/compare.png)

The runtimes are built the way users build them: every driver enabled (af's
`builder().enable_all()`, tokio's `enable_all()` as `#[tokio::main]` does), yields through the
runtime's yield (`af::rt::yield_now`, tokio's `yield_now`), the main task in `block_on`. The
rows "in block_on" put the work itself in the main task, the shape of most programs. The same
runtimes with only the drivers a workload needs are a table of their own, compared like with
like (before issue 20, the main tables measured that lighter configuration).

## One thread

`af-rt-ct` is an `af::rt` current_thread runtime (the ratio columns are about it);
`af-local` is `af::executor::local_pool` (executor workloads only); `tokio-ct` a
current-thread runtime; `futures-local` futures-rs' `LocalPool`; `asio-1t` an `io_context`
(concurrency hint 1) run by one thread. "Best peer" is the cheapest of tokio, futures-rs and
Asio in that row (named under the ratio); "best af" the cheaper of the two af columns.

{single}

## Two threads

`af-rt-mt2` is an `af::rt` multi_thread runtime with 2 workers (work stealing);
`af-pool2` is `af::executor::thread_pool(2)`; `tokio-mt2` a multi-thread runtime with 2 workers;
`futures-pool2` futures-rs' `ThreadPool` with 2 threads; `asio-2t` an `io_context` run by 2
threads. The main task runs on the main thread (`runtime::block_on` or `af::block_on`, tokio's
`block_on`, futures' `block_on`) and spawns onto the pool, as `#[tokio::main]` does; Asio's main coroutine runs on the
pool.

{multi}

## Minimal drivers

`af-rt-ct-min` / `af-rt-mt2-min` and `tokio-ct-min` / `tokio-mt2-min`: the same runtimes built
with only the drivers the workload needs (none for yields and channels, time for the
timeouts), a choice a user can make (`af::rt::builder()` without `enable_all()`, tokio's
`Builder` without `enable_all()`). The ratios compare af with tokio built the same way.

{minimal or "(not run)"}

## Instructions (callgrind, one thread)

Instructions executed inside the measured region only (`valgrind --tool=callgrind
--collect-atstart=no --toggle-collect=*bench_run_*`), at a reduced size. Unlike the times above
these are repeatable to a fraction of a percent on a noisy machine.

{chr(10).join(cg_lines) if cg_lines else "(skipped: --no-callgrind)"}

## Where af is behind

{chr(10).join(behind) if behind else "Nowhere in this run."}

{notes}

{http_section}## The machine

| | |
| --- | --- |
{mach}

## How to reproduce

```sh
bash scripts/bench compare          # installs packages, builds, runs, rewrites this page and the plot
bash scripts/bench smoke            # every workload at 1% size once, results checked (CI)
build/bench-compare/af_compare af-rt-ct spawn_join 1000000    # one program, one line of JSON
build/bench/bench/micro_bench                                  # af's micro-benchmarks (bench/micro)
```

Programs: `bench/compare/af_compare.cpp`, `bench/compare/asio_compare.cpp`,
`bench/compare/rust/src/bin/tokio_compare.rs`, `bench/compare/rust/src/bin/futures_compare.rs`.
Each prints one JSON line (`system`, `workload`, `n`, `m`, `seconds`, `rss_base_kb`,
`rss_peak_kb`, `check`) and exits with status 1 when its own result check fails.
"""
    with open(args.out, "w") as f:
        f.write(page)
    print(f"\nwrote {os.path.relpath(args.out, ROOT)} and docs/benchmarks/compare.png")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["smoke", "compare", "report"])
    ap.add_argument("--build", required=True, help="build directory holding the programs")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "benchmarks.md"))
    ap.add_argument("--no-callgrind", action="store_true")
    ap.add_argument("--workloads", default="", help="comma-separated: run only these (default: all)")
    ap.add_argument("--af-commit", default="", help="af's commit, when the programs were built from an export")
    ap.add_argument("--keep-others", action="store_true",
                    help="with --workloads: keep the other rows from the build's last compare-results.json")
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    global ONLY
    if args.workloads:
        ONLY = set(args.workloads.split(","))
        unknown = ONLY - set(WORKLOADS)
        if unknown:
            raise SystemExit(f"unknown workloads: {', '.join(sorted(unknown))}")
    if args.mode == "smoke":
        smoke(args)
    elif args.mode == "report":
        with open(os.path.join(args.build, "compare-results.json")) as f:
            write_report(args, json.load(f))
    else:
        compare(args)


if __name__ == "__main__":
    main()
