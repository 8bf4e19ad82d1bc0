// SPDX-License-Identifier: MIT
#include "af/executor/thread_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "af/executor/block_on.hpp"
#include "af/future/never.hpp"
#include "af/future/poll_fn.hpp"
#include "af/future/yield_now.hpp"
#include "af/test/drop_counter.hpp"
#include "af/test/manual_future.hpp"

namespace executor_thread_pool_test {

namespace {

af::task<int> add_later(int a, int b) {
    co_await af::yield_now();
    co_return a + b;
}

af::task<long> sum_tree(af::executor::spawner sp, int depth) {
    if (depth == 0) co_return 1;
    auto left = sp.spawn(sum_tree(sp, depth - 1));
    auto right = sp.spawn(sum_tree(sp, depth - 1));
    long l = co_await left;
    long r = co_await right;
    co_return l + r;
}

// Waits (bounded) for a condition that another thread makes true.
template <class Pred>
bool eventually(Pred p) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!p()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return true;
}

}  // namespace

TEST(thread_pool, runs_the_acceptance_snippet) {
    af::executor::thread_pool pool(2);
    auto h = pool.spawn(add_later(20, 22));
    char buf[16];
    std::snprintf(buf, sizeof buf, "%d\n", af::block_on(std::move(h)));
    EXPECT_STREQ(buf, "42\n");
}

TEST(thread_pool, zero_threads_is_rejected) { EXPECT_THROW(af::executor::thread_pool(0), std::invalid_argument); }

TEST(thread_pool, propagates_exceptions_through_the_handle) {
    af::executor::thread_pool pool(2);
    auto h = pool.spawn([]() -> af::task<int> {
        co_await af::yield_now();
        throw std::runtime_error("worker failed");
    });
    try {
        af::block_on(std::move(h));
        FAIL() << "expected an exception";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "worker failed");
    }
}

TEST(thread_pool, tasks_spawn_and_await_more_tasks) {
    af::executor::thread_pool pool(2);
    auto h = pool.spawn(sum_tree(pool.spawner(), 8));
    EXPECT_EQ(af::block_on(std::move(h)), 256);
}

TEST(thread_pool, runs_a_hundred_thousand_tiny_tasks) {
    constexpr int n = 100000;
    std::atomic<int> ran{0};
    {
        af::executor::thread_pool pool(2);
        std::vector<af::join_handle<int>> handles;
        handles.reserve(n);
        for (int i = 0; i < n; ++i) {
            handles.push_back(pool.spawn(af::poll_fn([&ran, i](af::context&) -> af::poll<int> {
                ran.fetch_add(1, std::memory_order_relaxed);
                return i;
            })));
        }
        long sum = 0;
        for (auto& h : handles) sum += af::block_on(std::move(h));
        EXPECT_EQ(sum, static_cast<long>(n) * (n - 1) / 2);
    }
    EXPECT_EQ(ran.load(), n);
}

TEST(thread_pool, dropping_the_handle_lets_the_task_finish) {
    std::atomic<bool> done{false};
    af::executor::thread_pool pool(2);
    {
        auto h = pool.spawn([&done]() -> af::task<void> {
            co_await af::yield_now();
            done.store(true);
        });
    }
    EXPECT_TRUE(eventually([&] { return done.load(); }));
}

TEST(thread_pool, destroying_the_pool_frees_the_frames_of_pending_tasks) {
    constexpr int n = 50;
    af::test::drop_counter drops;
    std::atomic<int> started{0};
    af::join_handle<void> kept;
    {
        af::executor::thread_pool pool(2);
        for (int i = 0; i < n; ++i) {
            auto h = pool.spawn([g = drops.make(), &started]() -> af::task<void> {
                started.fetch_add(1);
                co_await af::never();
            });
            if (i == 0) kept = std::move(h);
        }
        ASSERT_TRUE(eventually([&] { return started.load() == n; }));
        EXPECT_EQ(drops.count(), 0);
    }
    EXPECT_EQ(drops.count(), n);
    EXPECT_THROW(af::block_on(std::move(kept)), af::cancelled_error);
}

TEST(thread_pool, shutdown_cancels_queued_tasks_and_later_spawns) {
    af::test::drop_counter drops;
    af::executor::thread_pool pool(1);
    // Occupies the only worker inside a poll until the test lets it go.
    std::atomic<bool> in_poll{false};
    std::atomic<bool> release{false};
    pool.spawn(af::poll_fn([&](af::context&) -> af::poll<void> {
            in_poll.store(true);
            while (!release.load()) std::this_thread::yield();
            return {};
        }))
        .detach();
    ASSERT_TRUE(eventually([&] { return in_poll.load(); }));
    auto queued = pool.spawn([g = drops.make()]() -> af::task<int> { co_return 1; });
    std::thread stopper([&] { pool.shutdown(); });
    // A spawn on a closing pool is cancelled at once; until then probes queue up behind the
    // busy worker. Only then let the running poll finish, so the queued task never runs.
    ASSERT_TRUE(eventually([&] { return pool.spawn(af::never()).is_finished(); }));
    release.store(true);
    stopper.join();
    EXPECT_EQ(drops.count(), 1);
    EXPECT_THROW(af::block_on(std::move(queued)), af::cancelled_error);
    auto late = pool.spawn([g = drops.make()]() -> af::task<int> { co_return 2; });
    EXPECT_EQ(drops.count(), 2);
    EXPECT_THROW(af::block_on(std::move(late)), af::cancelled_error);
    pool.shutdown();  // a second call does nothing
}

TEST(thread_pool, a_task_is_never_polled_by_two_threads_at_once) {
    constexpr int waker_threads = 4;
    constexpr int per_thread = 2500;
    constexpr int total = waker_threads * per_thread;
    struct shared_state {
        std::atomic<int> sent{0};
        std::atomic<int> polls{0};
        std::atomic<int> in_poll{0};
        std::atomic<bool> overlapped{false};
        std::atomic<bool> armed{false};
        std::optional<af::waker> w;
    };
    auto st = std::make_shared<shared_state>();
    af::executor::thread_pool pool(2);
    auto h = pool.spawn(af::poll_fn([st](af::context& cx) -> af::poll<int> {
        if (st->in_poll.fetch_add(1) != 0) st->overlapped.store(true);
        int n = st->polls.fetch_add(1) + 1;
        if (n == 1) {
            st->w.emplace(cx.waker());
            st->armed.store(true, std::memory_order_release);
        }
        bool all_sent = st->sent.load(std::memory_order_acquire) == total;
        st->in_poll.fetch_sub(1);
        if (all_sent) return n;
        return af::pending;
    }));
    std::vector<std::thread> wakers;
    for (int i = 0; i < waker_threads; ++i) {
        wakers.emplace_back([st] {
            while (!st->armed.load(std::memory_order_acquire)) std::this_thread::yield();
            for (int j = 0; j < per_thread; ++j) {
                st->sent.fetch_add(1, std::memory_order_release);
                st->w->wake_by_ref();
            }
        });
    }
    for (auto& t : wakers) t.join();
    // Every wake was sent; the last one must cause a poll that sees them all.
    ASSERT_TRUE(eventually([&] { return h.is_finished(); })) << "a wake was lost";
    int polls = af::block_on(std::move(h));
    EXPECT_FALSE(st->overlapped.load());
    EXPECT_GE(polls, 2);
    EXPECT_LE(polls, total + 1);  // the first poll is not caused by a wake
    st->w.reset();
}

TEST(thread_pool, a_coroutine_lambdas_captures_outlive_the_lambda_object) {
    af::executor::thread_pool pool(2);
    auto h = pool.spawn([s = std::string(64, 'y')]() -> af::task<std::size_t> {
        co_await af::yield_now();
        co_return s.size();
    });  // the temporary lambda is gone before a worker resumes the task
    EXPECT_EQ(af::block_on(std::move(h)), 64u);
}

TEST(thread_pool, idle_workers_sleep_instead_of_spinning) {
    af::executor::thread_pool pool(2);
    af::block_on(pool.spawn(add_later(1, 1)));  // the workers have started and gone idle
    std::clock_t cpu_before = std::clock();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    double cpu_ms = 1000.0 * static_cast<double>(std::clock() - cpu_before) / CLOCKS_PER_SEC;
    EXPECT_LT(cpu_ms, 20.0);  // two spinning workers would burn ~200 ms of CPU
}

TEST(thread_pool_death, shutting_down_from_one_of_its_tasks_aborts_with_a_reason) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            af::executor::thread_pool pool(1);
            af::block_on(pool.spawn([&pool]() -> af::task<void> {
                pool.shutdown();
                co_return;
            }));
        },
        "thread_pool shut down from one of its own tasks");
}

// A burst of spawns wakes one worker at a time (see thread_pool.cpp); the woken worker must pass
// the wake on, or tasks would wait in the queue while a worker sleeps.
TEST(thread_pool, bursts_of_spawns_from_several_threads_all_run) {
    constexpr int per_thread = 2000;
    std::atomic<int> ran{0};
    af::executor::thread_pool pool(2);
    std::vector<std::thread> spawners;
    for (int s = 0; s < 3; ++s) {
        spawners.emplace_back([&] {
            std::vector<af::join_handle<void>> hs;
            for (int i = 0; i < per_thread; ++i) {
                hs.push_back(pool.spawn(af::poll_fn([&ran](af::context&) -> af::poll<void> {
                    ran.fetch_add(1, std::memory_order_relaxed);
                    return {};
                })));
            }
            for (auto& h : hs) af::block_on(std::move(h));
        });
    }
    for (std::thread& t : spawners) t.join();
    EXPECT_EQ(ran.load(), 3 * per_thread);
}

}  // namespace executor_thread_pool_test
