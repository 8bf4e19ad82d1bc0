#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs the side-by-side comparison of af with tokio, futures-rs and Asio (driven by scripts/bench).

    run.py smoke   --build DIR            every workload on every system at 1% size, once
    run.py compare --build DIR [--rounds 5] [--out docs/benchmarks.md]
    run.py report  --build DIR            rewrite the page from DIR/compare-results.json

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
    "af-local": ("af_compare", "af local_pool"),
    "tokio-ct": ("rust/release/tokio_compare", "tokio current_thread"),
    "futures-local": ("rust/release/futures_compare", "futures LocalPool"),
    "asio-1t": ("asio_compare", "Asio io_context, 1 thread"),
    "af-pool2": ("af_compare", "af thread_pool(2)"),
    "tokio-mt2": ("rust/release/tokio_compare", "tokio multi_thread, 2 workers"),
    "futures-pool2": ("rust/release/futures_compare", "futures ThreadPool(2)"),
    "asio-2t": ("asio_compare", "Asio io_context, 2 threads"),
}
SINGLE = ["af-local", "tokio-ct", "futures-local", "asio-1t"]
MULTI = ["af-pool2", "tokio-mt2", "futures-pool2", "asio-2t"]
FAMILY = {"af": "#d62728", "tokio": "#1f77b4", "futures": "#2ca02c", "asio": "#9467bd"}

# workload -> full size, smoke size (1%), callgrind size, what one "op" is, metric.
WORKLOADS = {
    "spawn_join": dict(full=[1_000_000], smoke=[10_000], cg=[100_000], op="task", metric="time",
                       title="spawn and join 1M tasks"),
    "yield": dict(full=[1_000, 1_000], smoke=[100, 100], cg=[100, 1_000], op="yield", metric="time",
                  title="1,000 tasks x 1,000 yields"),
    "chain": dict(full=[1_000_000], smoke=[10_000], cg=[100_000], op="level", metric="time",
                  title="1M-deep chain of spawns"),
    "idle_memory": dict(full=[1_000_000], smoke=[10_000], cg=None, op="task", metric="memory",
                        title="peak memory of 1M idle tasks"),
}


def ops(workload, size):
    return size[0] * size[1] if workload == "yield" else size[0]


def run_one(build, system, workload, size, prefix=(), timeout=600):
    prog = os.path.join(build, SYSTEMS[system][0])
    cmd = list(prefix) + [prog, system, workload] + [str(x) for x in size]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
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
    """ns per op for timed workloads, bytes per task for the memory one."""
    if WORKLOADS[workload]["metric"] == "memory":
        return (r["rss_peak_kb"] - r["rss_base_kb"]) * 1024.0 / size[0]
    return r["seconds"] * 1e9 / ops(workload, size)


def smoke(args):
    t0 = datetime.datetime.now()
    n = 0
    for w, spec in WORKLOADS.items():
        for s in SYSTEMS:
            r = run_one(args.build, s, w, spec["smoke"], timeout=60)
            print(f"  ok  {s:14} {w:12} {value(r, w, spec['smoke']):10.1f} {'B/task' if spec['metric'] == 'memory' else 'ns/' + spec['op']}")
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
    return f"{v:.0f} ns" if v >= 10 else f"{v:.1f} ns"


def table(med, systems, spreads):
    af = systems[0]
    head = "| workload | " + " | ".join(f"`{s}`" for s in systems) + " | " + " | ".join(
        f"af vs `{s}`" for s in systems[1:]) + " |"
    lines = [head, "|" + " --- |" * (2 * len(systems))]
    for w, spec in WORKLOADS.items():
        unit = "per task" if spec["metric"] == "memory" else f"per {spec['op']}"
        cells = []
        for s in systems:
            cells.append(f"{fmt(med[(s, w)], spec['metric'])} <sub>±{spreads[(s, w)]:.0f}%</sub>")
        ratios = [ratio_cell(med[(s, w)], med[(af, w)]) for s in systems[1:]]
        lines.append(f"| {spec['title']} ({unit}) | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    return "\n".join(lines)


def plot(med, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5))
    for ax, (w, spec) in zip(axes.flat, WORKLOADS.items()):
        groups = [("1 thread", SINGLE), ("2 threads", MULTI)]
        width = 0.2
        for gi, (gname, systems) in enumerate(groups):
            for si, s in enumerate(systems):
                fam = s.split("-")[0]
                v = med[(s, w)]
                x = gi + (si - 1.5) * width
                ax.bar(x, v, width * 0.95, color=FAMILY[fam], label=fam if gi == 0 else None)
                ax.text(x, v, f"{v:.0f}", ha="center", va="bottom", fontsize=7)
        ax.set_xticks([0, 1], [g[0] for g in groups])
        unit = "bytes per idle task" if spec["metric"] == "memory" else f"ns per {spec['op']}"
        ax.set_ylabel(unit + " (lower is better)")
        ax.set_title(spec["title"])
        ax.margins(y=0.15)
    axes.flat[0].legend(loc="upper left", fontsize=8)
    fig.suptitle("af vs tokio, futures-rs and Asio (medians; see docs/benchmarks.md)")
    fig.tight_layout()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fig.savefig(path, dpi=90)


def compare(args):
    t0 = datetime.datetime.now()
    results = {}  # (system, workload) -> [values]
    order = list(SYSTEMS)
    for rnd in range(args.rounds):
        rot = order[rnd % len(order):] + order[:rnd % len(order)]
        for w, spec in WORKLOADS.items():
            for s in rot:
                r = run_one(args.build, s, w, spec["full"])
                results.setdefault((s, w), []).append(value(r, w, spec["full"]))
        print(f"round {rnd + 1}/{args.rounds} done ({(datetime.datetime.now() - t0).total_seconds():.0f}s)", flush=True)
    instr = {}
    if not args.no_callgrind:
        for w, spec in WORKLOADS.items():
            if spec["cg"] is None:
                continue
            for s in SINGLE:
                ir = callgrind(args.build, s, w, spec["cg"])
                instr[(s, w)] = ir / ops(w, spec["cg"])
                print(f"callgrind {s:14} {w:12} {instr[(s, w)]:10.0f} instructions per {spec['op']}", flush=True)
    took = (datetime.datetime.now() - t0).total_seconds()
    raw = dict(date=datetime.date.today().isoformat(), rounds=args.rounds, seconds=took,
               results=[[s, w, v] for (s, w), v in results.items()],
               instr=[[s, w, v] for (s, w), v in instr.items()])
    with open(os.path.join(args.build, "compare-results.json"), "w") as f:
        json.dump(raw, f)
    write_report(args, raw)


def write_report(args, raw):
    results = {(s, w): v for s, w, v in raw["results"]}
    instr = {(s, w): v for s, w, v in raw["instr"]}
    took = raw["seconds"]
    med = {k: statistics.median(v) for k, v in results.items()}
    # Spread: half the min-max range, as a percentage of the median.
    spreads = {k: (max(v) - min(v)) / 2 / med[k] * 100 if med[k] else 0 for k, v in results.items()}

    single = table(med, SINGLE, spreads)
    multi = table(med, MULTI, spreads)
    print("\nsingle thread (median ns per op; bytes per task for memory)\n" + single)
    print("\ntwo threads\n" + multi)

    cg_lines = []
    if instr:
        cg_lines.append("| workload (callgrind size) | " + " | ".join(f"`{s}`" for s in SINGLE) + " | " +
                        " | ".join(f"af vs `{s}`" for s in SINGLE[1:]) + " |")
        cg_lines.append("|" + " --- |" * (2 * len(SINGLE)))
        for w, spec in WORKLOADS.items():
            if spec["cg"] is None:
                continue
            size = " x ".join(f"{x:,}" for x in spec["cg"])
            cells = [f"{instr[(s, w)]:,.0f}" for s in SINGLE]
            ratios = [ratio_cell(instr[(s, w)], instr[("af-local", w)]) for s in SINGLE[1:]]
            cg_lines.append(f"| {spec['title']} ({size}; per {spec['op']}) | " + " | ".join(cells) + " | " +
                            " | ".join(ratios) + " |")
        print("\ninstructions per op (callgrind)\n" + "\n".join(cg_lines))

    behind = []
    for group, systems in (("single thread", SINGLE), ("two threads", MULTI)):
        af = systems[0]
        for w, spec in WORKLOADS.items():
            for s in systems[1:]:
                if med[(s, w)] < med[(af, w)]:
                    behind.append(f"- {spec['title']} ({group}): `{af}` {fmt(med[(af, w)], spec['metric'])}, "
                                  f"`{s}` {fmt(med[(s, w)], spec['metric'])} "
                                  f"({med[(af, w)] / med[(s, w)]:.2f}x of its cost)")
    for (s, w), v in instr.items():
        if s != "af-local" and v < instr[("af-local", w)]:
            behind.append(f"- instructions, {WORKLOADS[w]['title']}: `af-local` {instr[('af-local', w)]:,.0f}, "
                          f"`{s}` {v:,.0f} per {WORKLOADS[w]['op']}")

    plot(med, os.path.join(ROOT, "docs", "benchmarks", "compare.png"))
    notes_path = os.path.join(HERE, "notes.md")
    notes = open(notes_path).read().strip() if os.path.exists(notes_path) else ""
    mach = "\n".join(f"| {k} | {v} |" for k, v in machine())
    page = f"""<!-- Generated by `scripts/bench compare` from bench/compare/run.py and bench/compare/notes.md; edit those, not this page. -->
# Benchmarks: af next to tokio, futures-rs and Asio

af's executors against the executors C++ and Rust users have today, on the same machine in the
same run. These workloads need only executors, spawning and join handles; channels, timers and
I/O join the table as those layers land.

Measured on {raw["date"]} with `scripts/bench compare` ({raw["rounds"]} rounds,
round-robin across systems, {took / 60:.1f} minutes including callgrind). Each cell is the median of
the rounds; the small number is the spread (half the min-max range, as a percentage of the
median). Ratios are the peer's cost divided by af's: above 1 (bold) af is ahead, below 1 af is
behind.

![af vs tokio, futures-rs and Asio](benchmarks/compare.png)

## One thread

`af-local` is `af::executor::local_pool`; `tokio-ct` a current-thread runtime; `futures-local`
futures-rs' `LocalPool`; `asio-1t` an `io_context` (concurrency hint 1) run by one thread.

{single}

## Two threads

`af-pool2` is `af::executor::thread_pool(2)`; `tokio-mt2` a multi-thread runtime with 2 workers;
`futures-pool2` futures-rs' `ThreadPool` with 2 threads; `asio-2t` an `io_context` run by 2
threads. The main task runs on the main thread (`af::block_on`, tokio's `block_on`, futures'
`block_on`) and spawns onto the pool, as `#[tokio::main]` does; Asio's main coroutine runs on the
pool.

{multi}

## Instructions (callgrind, one thread)

Instructions executed inside the measured region only (`valgrind --tool=callgrind
--collect-atstart=no --toggle-collect=*bench_run_*`), at a reduced size. Unlike the times above
these are repeatable to a fraction of a percent on a noisy machine.

{chr(10).join(cg_lines) if cg_lines else "(skipped: --no-callgrind)"}

## Where af is behind

{chr(10).join(behind) if behind else "Nowhere in this run."}

{notes}

## The machine

| | |
| --- | --- |
{mach}

## How to reproduce

```sh
bash scripts/bench compare          # installs packages, builds, runs, rewrites this page and the plot
bash scripts/bench smoke            # every workload at 1% size once, results checked (CI)
build/bench-compare/af_compare af-local spawn_join 1000000    # one program, one line of JSON
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
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    if args.mode == "smoke":
        smoke(args)
    elif args.mode == "report":
        with open(os.path.join(args.build, "compare-results.json")) as f:
            write_report(args, json.load(f))
    else:
        compare(args)


if __name__ == "__main__":
    main()
