// SPDX-License-Identifier: MIT
// spawn_blocking: hand blocking calls to the runtime's blocking pool and await their results,
// while the workers keep running other tasks.
#include <af/core/task.hpp>
#include <af/rt/runtime.hpp>
#include <af/rt/spawn.hpp>
#include <af/rt/spawn_blocking.hpp>

#include <chrono>
#include <cstdio>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

// Stands in for a blocking call: a file read, getaddrinfo, a C library without an async API.
std::string slow_lookup(int id) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return "user-" + std::to_string(id);
}

af::task<std::string> describe(int id) {
    // The worker is free while the lookup blocks a pool thread.
    std::string name = co_await af::rt::spawn_blocking([id] { return slow_lookup(id); });
    co_return name + " ok";
}

int main() {
    af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(2).max_blocking_threads(4).build();
    std::vector<std::string> lines = rt.block_on([]() -> af::task<std::vector<std::string>> {
        std::vector<af::join_handle<std::string>> hs;
        for (int id = 1; id <= 3; ++id) hs.push_back(af::rt::spawn(describe(id)));
        std::vector<std::string> out;
        for (auto& h : hs) out.push_back(co_await std::move(h));

        // CPU-heavy work goes there too: here, a sum the workers should not stall on.
        long sum = co_await af::rt::spawn_blocking([] {
            std::vector<long> v(1'000'000);
            std::iota(v.begin(), v.end(), 1L);
            return std::accumulate(v.begin(), v.end(), 0L);
        });
        out.push_back("sum " + std::to_string(sum));
        co_return out;
    });
    for (const std::string& l : lines) std::printf("%s\n", l.c_str());
}
