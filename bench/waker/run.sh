#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the waker comparison of docs/design/0001-waker.md against one Release build directory
# and prints the time table and the instruction-count table.
#
#     bench/waker/run.sh build-bench [out-dir]
#
# Single-thread rows run pinned to one CPU (taskset -c 1); the cross-thread rows need two CPUs
# and run unpinned. Both with 5 repetitions, aggregates only. JSON goes to out-dir.
set -euo pipefail

build=${1:?usage: run.sh <release build dir> [out-dir]}
out=${2:-$build/bench/results}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
common=(--benchmark_repetitions=5 --benchmark_report_aggregates_only=true --benchmark_enable_random_interleaving=true
        --benchmark_out_format=json)

taskset -c 1 "$build/bench/waker_bench" "${common[@]}" --benchmark_filter='-cross_thread' \
    --benchmark_out="$out/st.json" >"$out/st.txt"
"$build/bench/waker_bench" "${common[@]}" --benchmark_filter='^cross_thread/' \
    --benchmark_out="$out/xt.json" >"$out/xt.txt"

echo "## time per operation (median of 5; ratio to af_vtable)"
python3 "$here/summarize.py" "$out/st.json" "$out/xt.json"
echo
echo "## instructions per operation (callgrind; ratio to af_vtable)"
"$here/callgrind.sh" "$build/bench/waker_instr" 400
