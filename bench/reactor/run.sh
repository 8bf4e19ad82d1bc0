#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds bench/reactor/reactor_bench.cpp against a RelWithDebInfo build of af (libaf_rt.a,
# libaf_core.a) and runs it: epoll vs io_uring, interleaved, medians (docs/design/0008-reactor.md).
#   bench/reactor/run.sh [build-dir] [reactor_bench args...]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build-uring-rel}"
shift || true
if [[ ! -f "$build/CMakeCache.txt" ]]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" --target af_rt -j2 >/dev/null
core="$(find "$build" -name libaf_core.a | head -1)"
rt="$(find "$build" -name libaf_rt.a | head -1)"
out="$build/reactor_bench"
${CXX:-g++} -std=c++20 -O2 -g -DNDEBUG -I"$root/include" "$root/bench/reactor/reactor_bench.cpp" \
    "$rt" "$core" -luring -pthread -o "$out"
"$out" "$@"
