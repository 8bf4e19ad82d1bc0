// SPDX-License-Identifier: MIT
// Random schedules of spawns, wakes, aborts and sleeps, checked for lost and doubled work.
//
// Each seed builds a tree of tasks whose shape (children, sleeps, yields, cross-task wakes,
// aborts) is drawn from the seed. Every task records that its body started and finished; every
// task's future carries a guard that counts its destruction. Afterwards: no task body ran twice,
// every task that was not aborted finished exactly once, an aborted task either finished or
// was cancelled (never both), and every future was destroyed exactly once. On the seeded
// current_thread runtime with a paused clock a failing seed replays exactly: rerun with
// --gtest_filter and the seed printed in the failure.
#include "af/rt/runtime.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "af/core/task.hpp"
#include "af/future/yield_now.hpp"
#include "af/rt/spawn.hpp"
#include "af/sync/notify.hpp"
#include "af/time/sleep.hpp"
#include "af/time/timeout.hpp"

namespace rt_stress_test {

namespace {

using namespace std::chrono_literals;

struct record {
    std::atomic<int> started{0};
    std::atomic<int> finished{0};
    std::atomic<int> destroyed{0};
    std::atomic<bool> aborted{false};
};

struct world {
    explicit world(std::size_t n) : records(n) {}
    std::vector<record> records;
    std::atomic<std::size_t> next_id{0};
    af::sync::notify bell;  // tasks wake each other through it
};

struct destroy_guard {
    record* r;
    explicit destroy_guard(record* rec) noexcept : r(rec) {}
    destroy_guard(destroy_guard&& o) noexcept : r(std::exchange(o.r, nullptr)) {}
    destroy_guard& operator=(destroy_guard&&) = delete;
    ~destroy_guard() {
        if (r) r->destroyed.fetch_add(1);
    }
};

af::task<void> node(world& w, std::size_t id, std::uint64_t seed, int depth, [[maybe_unused]] destroy_guard guard) {
    record& r = w.records[id];
    r.started.fetch_add(1);
    std::mt19937_64 rng(seed);
    std::vector<std::pair<af::join_handle<void>, std::size_t>> children;
    int steps = depth == 0 ? 16 : static_cast<int>(rng() % 8);
    for (int s = 0; s < steps; ++s) {
        switch (rng() % 8) {
        case 0: co_await af::yield_now(); break;
        case 1: co_await af::time::sleep(std::chrono::milliseconds(rng() % 20)); break;
        case 2:
        case 3:
        case 7:
            if (depth < 4) {
                std::size_t cid = w.next_id.fetch_add(1);
                if (cid < w.records.size()) {
                    children.emplace_back(af::rt::spawn(node(w, cid, rng(), depth + 1, destroy_guard(&w.records[cid]))), cid);
                }
            }
            break;
        case 4: w.bell.notify_waiters(); break;
        case 6: {
            // Woken by another task's notify_waiters, or not: the timeout cancels the wait.
            auto r6 = co_await af::time::timeout(5ms, w.bell.notified());
            (void)r6;
            break;
        }
        case 5:
            if (!children.empty()) {
                auto& [h, cid] = children[rng() % children.size()];
                w.records[cid].aborted = true;
                h.abort();
            }
            break;
        }
    }
    for (auto& [h, cid] : children) {
        try {
            co_await std::move(h);
        } catch (const af::cancelled_error&) {
            EXPECT_TRUE(w.records[cid].aborted.load()) << "task " << cid << " cancelled without abort";
        }
    }
    r.finished.fetch_add(1);
}

// Children of an aborted task lose their handles and run on detached: wait for them too.
void drain(af::rt::runtime& rt) {
    rt.block_on([]() -> af::task<void> {
        while (af::rt::metrics().tasks_alive > 0) co_await af::time::sleep(1ms);
    });
}

void check(world& w, std::uint64_t seed) {
    std::size_t n = std::min(w.next_id.load(), w.records.size());
    for (std::size_t i = 0; i < n; ++i) {
        record& r = w.records[i];
        SCOPED_TRACE("seed " + std::to_string(seed) + ", task " + std::to_string(i));
        EXPECT_LE(r.started.load(), 1);
        EXPECT_LE(r.finished.load(), 1);
        EXPECT_EQ(r.destroyed.load(), 1);
        if (!r.aborted.load()) {
            EXPECT_EQ(r.finished.load(), 1);
        }
    }
}

// Returns how many tasks the seed's schedule spawned.
std::size_t run_seed(af::rt::runtime& rt, std::uint64_t seed) {
    world w(400);
    std::size_t root = w.next_id.fetch_add(1);
    rt.block_on(node(w, root, seed, 0, destroy_guard(&w.records[root])));
    drain(rt);
    check(w, seed);
    return std::min(w.next_id.load(), w.records.size());
}

TEST(stress, seeded_current_thread_schedules_lose_nothing_and_run_nothing_twice) {
    std::size_t tasks = 0;
    for (std::uint64_t seed = 1; seed <= 60; ++seed) {
        af::rt::runtime rt = af::rt::builder().current_thread().rng_seed(seed).enable_time().start_paused().build();
        tasks += run_seed(rt, seed);
    }
    EXPECT_GT(tasks, 60u * 10u);  // the schedules are not trivially small
}

TEST(stress, multi_thread_schedules_lose_nothing_and_run_nothing_twice) {
    af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(2).enable_time().build();
    std::size_t tasks = 0;
    for (std::uint64_t seed = 100; seed < 110; ++seed) tasks += run_seed(rt, seed);
    EXPECT_GT(tasks, 10u * 10u);
}

TEST(stress, thread_per_core_schedules_lose_nothing_and_run_nothing_twice) {
    af::rt::runtime rt = af::rt::builder().thread_per_core().worker_threads(2).enable_time().build();
    std::size_t tasks = 0;
    for (std::uint64_t seed = 200; seed < 205; ++seed) tasks += run_seed(rt, seed);
    EXPECT_GT(tasks, 5u * 10u);
}

TEST(stress, the_same_seed_replays_the_same_schedule) {
    auto trace = [](std::uint64_t seed) {
        af::rt::runtime rt = af::rt::builder().current_thread().rng_seed(seed).enable_time().start_paused().build();
        world w(400);
        std::size_t root = w.next_id.fetch_add(1);
        rt.block_on(node(w, root, seed, 0, destroy_guard(&w.records[root])));
        drain(rt);
        std::vector<int> fin;
        for (auto& r : w.records) fin.push_back(r.finished.load() * 2 + (r.aborted.load() ? 1 : 0));
        return std::make_pair(w.next_id.load(), fin);
    };
    EXPECT_EQ(trace(7), trace(7));
}

}  // namespace

}  // namespace rt_stress_test
