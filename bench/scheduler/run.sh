#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds and runs the scheduler measurements of docs/design/0007-scheduler.md.
#
#   bash bench/scheduler/run.sh                      # 5 interleaved runs, full sizes
#   bash bench/scheduler/run.sh --runs 7 --scale 0.1 # arguments go to sched_bench
#
# Compiles bench/scheduler/*.cpp with g++ -O2 against the static libraries of a RelWithDebInfo
# build (AF_BUILD_DIR, default build-docs-rel; configured and built here if missing, af_rt
# target only). Not part of the CMake project on purpose: it needs nothing but the two archives.
# AF_SOURCE_DIR measures another checkout of af (e.g. a `git archive` of one commit) with this
# script's benchmark sources; its build dir must then be configured from that checkout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=${AF_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
build=${AF_BUILD_DIR:-$root/build-docs-rel}
out=${AF_BENCH_OUT:-$build/bench-scheduler}

if [[ ! -f $build/libaf_rt.a || ! -f $build/libaf_core.a ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=g++ \
    -DAF_BUILD_TESTS=OFF -DAF_BUILD_EXAMPLES=OFF
fi
cmake --build "$build" --target af_rt -j2

mkdir -p "$out"
g++ -std=c++20 -O2 -g -Wall -Wextra -Wpedantic -Werror -I"$root/include" \
  "$here"/*.cpp "$build/libaf_rt.a" "$build/libaf_core.a" $(pkg-config --libs liburing 2>/dev/null || true) -pthread \
  -o "$out/sched_bench"

echo "machine: $(nproc) CPUs, $(uname -sr), $(g++ --version | head -1)"
"$out/sched_bench" "$@"
