// SPDX-License-Identifier: MIT
// Wakes of the block_on future from the runtime's own thread (issue 16, ADR 0026): a yield loop
// run as the main future of block_on next to the same loop spawned, and a spawned task that
// hands a value to the main future over a channel, on each runtime flavor, in one run.
//
//     block_on_wake [ct|mt2|tpc2] [yields]
//
// Prints ns per yield for "main" (the loop is block_on's future) and "spawned" (the loop is a
// spawned task that block_on joins), and their ratio. Build (Release, -O2) and run:
//     g++ -std=c++20 -O2 -I include bench/rt/block_on_wake.cpp -L BUILD -laf_rt ... (see
//     bench/compare/notes.md "block_on wakes")
#include <af/af.hpp>
#include <af/channel.hpp>
#include <af/rt.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

af::task<std::uint64_t> yield_loop(std::uint64_t n) {
    std::uint64_t k = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
        co_await af::yield_now();
        ++k;
    }
    co_return k;
}

af::rt::runtime make(const std::string& kind) {
    af::rt::builder b;
    if (kind == "ct") b.current_thread();
    else if (kind == "tpc2") b.thread_per_core().worker_threads(2);
    else b.multi_thread().worker_threads(2);
    return b.enable_all().build();
}

double ns_per(std::chrono::steady_clock::time_point t0, std::uint64_t n) {
    auto d = std::chrono::steady_clock::now() - t0;
    return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count()) / static_cast<double>(n);
}

}  // namespace

int main(int argc, char** argv) {
    std::string kind = argc > 1 ? argv[1] : "ct";
    std::uint64_t n = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000000;
    std::string only = argc > 3 ? argv[3] : "";
    af::rt::runtime rt = make(kind);
    double main_ns = 0, spawned_ns = 0;
    if (only.empty() || only == "main") {
        auto t0 = std::chrono::steady_clock::now();
        std::uint64_t k = rt.block_on(yield_loop(n));
        main_ns = ns_per(t0, n);
        if (k != n) return 1;
    }
    if (only.empty() || only == "spawned") {
        auto t0 = std::chrono::steady_clock::now();
        std::uint64_t k = rt.block_on([n]() -> af::task<std::uint64_t> {
            auto h = af::rt::spawn(yield_loop(n));
            co_return co_await std::move(h);
        });
        spawned_ns = ns_per(t0, n);
        if (k != n) return 1;
    }
    std::printf("%s yields=%llu main %.1f ns spawned %.1f ns ratio %.2f\n", kind.c_str(),
                static_cast<unsigned long long>(n), main_ns, spawned_ns, spawned_ns > 0 ? main_ns / spawned_ns : 0.0);
    return 0;
}
