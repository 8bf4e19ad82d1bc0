// SPDX-License-Identifier: MIT
// The runtime's acceptance demo: 100,000 tasks each sleep a random 0-50 ms, then bump a shared
// counter; then `timeout(10ms, sleep(1s))` reports that it elapsed.
//
//   sleepers            multi-thread runtime, real clock (about 60 ms of waiting)
//   sleepers --paused   current-thread runtime with the clock paused: the runtime jumps the
//                       clock to the next timer whenever every task is idle, so the same
//                       program does its 60 ms of virtual waiting in a few ms of wall time.
#include <af/rt.hpp>
#include <af/time.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

using namespace std::chrono_literals;

af::task<void> sleeper(std::chrono::milliseconds d, std::atomic<int>& counter) {
    co_await af::time::sleep(d);
    counter.fetch_add(1, std::memory_order_relaxed);
}

af::task<int> demo() {
    constexpr int tasks = 100'000;
    std::atomic<int> counter{0};
    std::mt19937 rng(2026);
    std::uniform_int_distribution<int> ms(0, 50);

    af::time::instant start = af::time::instant::now();
    std::vector<af::join_handle<void>> handles;
    handles.reserve(tasks);
    for (int i = 0; i < tasks; ++i) {
        handles.push_back(af::rt::spawn(sleeper(std::chrono::milliseconds(ms(rng)), counter)));
    }
    for (auto& h : handles) co_await std::move(h);
    auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(start.elapsed());
    std::printf("%d tasks slept and counted to %d (runtime clock: %lld ms)\n", tasks, counter.load(),
                static_cast<long long>(waited.count()));

    auto r = co_await af::time::timeout(10ms, af::time::sleep(1s));
    std::printf("timeout(10ms, sleep(1s)): %s\n", r.elapsed() ? "elapsed" : "completed");
    co_return counter.load() == tasks && r.elapsed() ? 0 : 1;
}

int main(int argc, char** argv) {
    bool paused = argc > 1 && std::strcmp(argv[1], "--paused") == 0;
    auto wall = std::chrono::steady_clock::now();
    af::rt::runtime rt = paused ? af::rt::builder().current_thread().enable_time().start_paused().build()
                                : af::rt::builder().multi_thread().enable_all().build();
    int rc = rt.block_on(demo());
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - wall);
    std::printf("wall time: %lld ms%s\n", static_cast<long long>(took.count()), paused ? " (paused clock)" : "");
    return rc;
}
