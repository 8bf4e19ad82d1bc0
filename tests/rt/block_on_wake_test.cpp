// SPDX-License-Identifier: MIT
// Issue 16 part 1 (ADR 0026): a wake of the block_on future from the runtime's own thread is a
// flag, not a trip through the kernel; a wake from another thread still ends a park.
#include "af/rt/runtime.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include "af/channel/mpsc.hpp"
#include "af/core/task.hpp"
#include "af/future/yield_now.hpp"
#include "af/rt/spawn.hpp"
#include "af/time/sleep.hpp"

namespace rt_block_on_wake_test {

namespace {

using namespace std::chrono_literals;

// read(2)- and write(2)-family system calls made by the calling thread so far (the kernel's
// task I/O accounting); nullopt where /proc does not provide it. The old wake wrote the
// reactor's eventfd and read it back: one write and one or two reads per wake.
std::optional<std::uint64_t> thread_rw_syscalls() {
    std::ifstream in("/proc/thread-self/io");
    std::string key;
    std::uint64_t value = 0;
    std::uint64_t total = 0;
    int seen = 0;
    while (in >> key >> value) {
        if (key == "syscr:" || key == "syscw:") {
            total += value;
            ++seen;
        }
    }
    if (seen != 2) return std::nullopt;
    return total;
}

af::rt::runtime make(af::rt::flavor kind) {
    af::rt::builder b;
    if (kind == af::rt::flavor::current_thread) b.current_thread();
    if (kind == af::rt::flavor::multi_thread) b.multi_thread().worker_threads(2);
    if (kind == af::rt::flavor::thread_per_core) b.thread_per_core().worker_threads(2);
    return b.enable_all().build();
}

constexpr af::rt::flavor all_flavors[] = {af::rt::flavor::current_thread, af::rt::flavor::multi_thread,
                                          af::rt::flavor::thread_per_core};

af::task<int> yield_loop(int n) {
    int k = 0;
    for (int i = 0; i < n; ++i) {
        co_await af::yield_now();
        ++k;
    }
    co_return k;
}

TEST(block_on_wake, yields_of_the_block_on_future_make_no_read_or_write_system_call) {
    for (af::rt::flavor kind : all_flavors) {
        af::rt::runtime rt = make(kind);
        rt.block_on(yield_loop(10));  // warm up: first park, thread-local set-up
        std::optional<std::uint64_t> before = thread_rw_syscalls();
        if (!before) GTEST_SKIP() << "no /proc/thread-self/io here";
        constexpr int yields = 20000;
        EXPECT_EQ(rt.block_on(yield_loop(yields)), yields);
        std::optional<std::uint64_t> after = thread_rw_syscalls();
        ASSERT_TRUE(after);
        // Before the fix: about 3 per yield (60,000). A few are allowed for the /proc reads.
        EXPECT_LT(*after - *before, 100u) << "flavor " << static_cast<int>(kind);
    }
}

// A task of the current_thread core hands values to the block_on future over a channel: each
// send wakes the main future from the core's own thread.
TEST(block_on_wake, a_spawned_task_waking_the_block_on_future_on_its_thread_makes_no_system_call) {
    af::rt::runtime rt = make(af::rt::flavor::current_thread);
    constexpr int rounds = 5000;
    std::optional<std::uint64_t> before = thread_rw_syscalls();
    if (!before) GTEST_SKIP() << "no /proc/thread-self/io here";
    long sum = rt.block_on([]() -> af::task<long> {
        auto [tx, rx] = af::channel::mpsc::bounded<int>(1);
        auto h = af::rt::spawn([](af::channel::mpsc::sender<int> tx) -> af::task<void> {
            for (int i = 1; i <= rounds; ++i) {
                auto sent = co_await tx.send(i);
                if (!sent) co_return;
            }
        }(std::move(tx)));
        long s = 0;
        while (std::optional<int> v = co_await rx.recv()) s += *v;
        co_await std::move(h);
        co_return s;
    });
    std::optional<std::uint64_t> after = thread_rw_syscalls();
    ASSERT_TRUE(after);
    EXPECT_EQ(sum, static_cast<long>(rounds) * (rounds + 1) / 2);
    EXPECT_LT(*after - *before, 100u);
}

// The other side of the state word: a wake from another thread while the block_on thread
// sleeps (or is about to) must end the sleep. Many rounds, so that some wakes land between the
// announce and the sleep.
TEST(block_on_wake, wakes_from_another_thread_end_every_park) {
    for (af::rt::flavor kind : all_flavors) {
        af::rt::runtime rt = make(kind);
        constexpr int rounds = 2000;
        auto [tx, rx] = af::channel::mpsc::bounded<int>(1);
        std::thread producer([tx = std::move(tx)] {
            for (int i = 1; i <= rounds; ++i) {
                if (!tx.blocking_send(i)) return;
                if (i % 64 == 0) std::this_thread::yield();
            }
        });
        long sum = rt.block_on([&rx]() -> af::task<long> {
            long s = 0;
            while (std::optional<int> v = co_await rx.recv()) s += *v;
            co_return s;
        });
        producer.join();
        EXPECT_EQ(sum, static_cast<long>(rounds) * (rounds + 1) / 2) << "flavor " << static_cast<int>(kind);
    }
}

// A self-wake pending when the loop parks must not let a paused clock jump over it, and the
// clock must still advance once nothing else can run.
TEST(block_on_wake, a_paused_clock_advances_after_self_wakes) {
    af::rt::runtime rt = af::rt::builder().current_thread().enable_time().start_paused().build();
    auto elapsed = rt.block_on([]() -> af::task<std::chrono::nanoseconds> {
        auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < 100; ++i) co_await af::yield_now();
        co_await af::time::sleep(1h);  // paused: the clock jumps, no real hour passes
        for (int i = 0; i < 100; ++i) co_await af::yield_now();
        co_return std::chrono::steady_clock::now() - t0;
    });
    EXPECT_LT(elapsed, 60s);
}

}  // namespace

}  // namespace rt_block_on_wake_test
