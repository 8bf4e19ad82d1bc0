#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turns waker_bench JSON output (run with --benchmark_repetitions and aggregates) into the
markdown table of docs/design/0001-waker.md: one row per operation, one column per design,
median time per operation and, in parentheses, the ratio to af_vtable. A trailing column gives
the largest coefficient of variation in the row, so a noisy row is visible as such.

    python3 bench/waker/summarize.py results/gcc-st.json results/gcc-xt.json
"""
import json
import sys

OPS = ["clone", "drop", "wake", "wake_by_ref", "clone_drop", "clone_move", "cycle_by_ref",
       "cycle_clone_wake", "cross_thread"]
DESIGNS = ["af_vtable", "af_wakeable", "virtual_iface", "std_function", "shared_ptr",
           "coroutine_handle", "af_local_nonatomic"]


def load(paths):
    median, cv, ops, errors = {}, {}, [], []
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        for b in data["benchmarks"]:
            name = b.get("run_name", b["name"])
            parts = name.split("/")
            op, design = parts[0], parts[1]
            if b.get("error_occurred"):
                errors.append(f"{name}: {b.get('error_message')}")
                continue
            agg = b.get("aggregate_name")
            unit = {"ns": 1.0, "us": 1e3, "ms": 1e6}[b.get("time_unit", "ns")]
            if agg == "median":
                median[(op, design)] = b["real_time"] * unit
                if op not in ops:
                    ops.append(op)
            elif agg == "cv":
                cv[(op, design)] = b["real_time"]
    return median, cv, ops, errors


def fmt(ns):
    if ns >= 1000:
        return f"{ns / 1000:.1f} µs"
    return f"{ns:.2f} ns" if ns < 10 else f"{ns:.1f} ns"


def main(argv):
    median, cv, ops, errors = load(argv[1:])
    print("| op | " + " | ".join(DESIGNS) + " | max CV |")
    print("|---|" + "---:|" * (len(DESIGNS) + 1))
    for op in [o for o in OPS if o in ops] + [o for o in ops if o not in OPS and o != "stack"]:
        base = median.get((op, "af_vtable"))
        cells = []
        for d in DESIGNS:
            v = median.get((op, d))
            if v is None:
                cells.append("n/a")
            else:
                cells.append(f"{fmt(v)} ({v / base:.2f})" if base else fmt(v))
        worst = max((cv[(op, d)] for d in DESIGNS if (op, d) in cv), default=0.0)
        print(f"| {op} | " + " | ".join(cells) + f" | {worst * 100:.0f}% |")
    stack = [(d, v) for (o, d), v in median.items() if o == "stack"]
    if stack:
        print()
        print("| af stack, per yield | median |")
        print("|---|---:|")
        for d, v in stack:
            print(f"| {d} | {fmt(v)} |")
    for e in errors:
        print(f"ERROR {e}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
