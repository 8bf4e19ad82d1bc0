// SPDX-License-Identifier: MIT
#include "af/executor/local_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "af/executor/block_on.hpp"
#include "af/future/never.hpp"
#include "af/future/poll_fn.hpp"
#include "af/future/ready.hpp"
#include "af/future/yield_now.hpp"
#include "af/test/drop_counter.hpp"
#include "af/test/manual_future.hpp"

namespace executor_local_pool_test {

namespace {

af::task<int> add_later(int a, int b) {
    co_await af::yield_now();
    co_return a + b;
}

af::task<void> yield_times(int n, std::vector<int>& log, int id) {
    for (int i = 0; i < n; ++i) {
        log.push_back(id);
        co_await af::yield_now();
    }
}

}  // namespace

TEST(local_pool, run_until_returns_the_output_of_a_spawned_task) {
    af::executor::local_pool pool;
    auto h = pool.spawn(add_later(1, 2));
    EXPECT_EQ(pool.run_until(std::move(h)), 3);
}

TEST(local_pool, run_until_polls_a_plain_future_without_spawning_it) {
    af::executor::local_pool pool;
    EXPECT_EQ(pool.run_until(add_later(4, 5)), 9);
    EXPECT_EQ(pool.run_until(af::ready(std::string("x"))), "x");
}

TEST(local_pool, run_runs_every_spawned_task_to_completion) {
    af::executor::local_pool pool;
    int done = 0;
    for (int i = 0; i < 10; ++i) {
        pool.spawn([&done]() -> af::task<void> {
                co_await af::yield_now();
                ++done;
            })
            .detach();
    }
    EXPECT_EQ(done, 0);  // nothing runs before run*
    pool.run();
    EXPECT_EQ(done, 10);
}

TEST(local_pool, same_thread_wakes_run_tasks_in_fifo_order) {
    af::executor::local_pool pool;
    std::vector<int> log;
    pool.spawn(yield_times(3, log, 1)).detach();
    pool.spawn(yield_times(3, log, 2)).detach();
    pool.run();
    EXPECT_EQ(log, (std::vector<int>{1, 2, 1, 2, 1, 2}));
}

TEST(local_pool, run_until_stalled_stops_when_every_task_waits) {
    af::executor::local_pool pool;
    af::test::manual_future<int> m;
    auto h = pool.spawn(m.get());
    pool.run_until_stalled();
    EXPECT_EQ(m.polls(), 1);
    EXPECT_FALSE(h.is_finished());
    pool.run_until_stalled();  // nothing was woken: nothing is polled
    EXPECT_EQ(m.polls(), 1);
    m.set(8);  // wakes, but tasks only run inside run*
    EXPECT_EQ(m.polls(), 1);
    pool.run_until_stalled();
    EXPECT_EQ(m.polls(), 2);
    ASSERT_TRUE(h.is_finished());
    EXPECT_EQ(af::block_on(std::move(h)), 8);
}

TEST(local_pool, run_until_stalled_runs_tasks_that_keep_yielding_until_they_finish) {
    af::executor::local_pool pool;
    std::vector<int> log;
    auto h = pool.spawn(yield_times(5, log, 1));
    pool.run_until_stalled();
    EXPECT_EQ(log.size(), 5u);
    EXPECT_TRUE(h.is_finished());
}

TEST(local_pool, run_until_stalled_serves_wakes_sent_from_another_thread_before_it_ran) {
    af::executor::local_pool pool;
    af::test::manual_future<int> m;
    auto h = pool.spawn(m.get());
    pool.run_until_stalled();
    std::thread([&] { m.set(3); }).join();
    pool.run_until_stalled();
    EXPECT_TRUE(h.is_finished());
}

TEST(local_pool, tasks_spawn_more_tasks_through_the_spawner) {
    af::executor::local_pool pool;
    af::executor::spawner sp = pool.spawner();
    auto h = pool.spawn([sp]() -> af::task<int> {
        auto a = sp.spawn(add_later(1, 1));
        auto b = sp.spawn(add_later(2, 2));
        int x = co_await a;
        int y = co_await b;
        co_return x + y;
    });
    EXPECT_EQ(pool.run_until(std::move(h)), 6);
}

TEST(local_pool, run_until_sleeps_until_another_thread_wakes_a_task) {
    af::executor::local_pool pool;
    af::test::manual_future<int> m;
    auto h = pool.spawn(m.get());
    std::thread setter([&] {
        // Wait until the task registered its waker, so the wake really crosses threads.
        while (!m.has_waiter()) std::this_thread::yield();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let run_until park
        m.set(11);
    });
    EXPECT_EQ(pool.run_until(std::move(h)), 11);
    setter.join();
}

TEST(local_pool, run_until_sleeps_until_another_thread_wakes_its_own_future) {
    af::executor::local_pool pool;
    af::test::manual_future<int> m;
    std::thread setter([&] {
        while (!m.has_waiter()) std::this_thread::yield();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        m.set(12);
    });
    EXPECT_EQ(pool.run_until(m.get()), 12);
    EXPECT_EQ(m.polls(), 2);  // once before parking, once after the wake: no busy polling
    setter.join();
}

TEST(local_pool, run_until_rethrows_the_exception_of_the_task_it_awaits) {
    af::executor::local_pool pool;
    auto h = pool.spawn([]() -> af::task<int> {
        co_await af::yield_now();
        throw std::runtime_error("bad");
    });
    EXPECT_THROW(pool.run_until(std::move(h)), std::runtime_error);
}

TEST(local_pool, aborting_a_task_before_it_ran_never_polls_it) {
    af::executor::local_pool pool;
    af::test::drop_counter drops;
    int polls = 0;
    auto h = pool.spawn([g = drops.make(), &polls]() -> af::task<void> {
        ++polls;
        co_return;
    });
    h.abort();
    pool.run_until_stalled();
    EXPECT_EQ(polls, 0);
    EXPECT_EQ(drops.count(), 1);
    EXPECT_TRUE(h.is_finished());
    EXPECT_THROW(pool.run_until(std::move(h)), af::cancelled_error);
}

TEST(local_pool, aborting_a_pending_task_destroys_it_once_on_the_pool_thread) {
    af::executor::local_pool pool;
    af::test::drop_counter drops;
    auto h = pool.spawn([g = drops.make()]() -> af::task<void> { co_await af::never(); });
    pool.run_until_stalled();
    EXPECT_EQ(drops.count(), 0);
    std::thread([&] { h.abort(); }).join();
    EXPECT_EQ(drops.count(), 0);  // the pool thread drops it, inside run*
    pool.run_until_stalled();
    EXPECT_EQ(drops.count(), 1);
    EXPECT_THROW(af::block_on(std::move(h)), af::cancelled_error);
    EXPECT_EQ(drops.count(), 1);
}

TEST(local_pool, dropping_the_handle_lets_the_task_finish) {
    af::executor::local_pool pool;
    bool done = false;
    {
        auto h = pool.spawn([&done]() -> af::task<void> {
            co_await af::yield_now();
            done = true;
        });
    }
    pool.run();
    EXPECT_TRUE(done);
}

TEST(local_pool, destroying_the_pool_destroys_unfinished_tasks_once) {
    af::test::drop_counter drops;
    af::join_handle<void> pending;
    af::join_handle<void> never_ran;
    {
        af::executor::local_pool pool;
        pending = pool.spawn([g = drops.make()]() -> af::task<void> { co_await af::never(); });
        pool.run_until_stalled();
        never_ran = pool.spawn([g = drops.make()]() -> af::task<void> { co_return; });
        for (int i = 0; i < 5; ++i) pool.spawn([g = drops.make()]() -> af::task<void> { co_await af::never(); }).detach();
        EXPECT_EQ(drops.count(), 0);
    }
    EXPECT_EQ(drops.count(), 7);
    EXPECT_TRUE(pending.is_finished());
    EXPECT_THROW(af::block_on(std::move(pending)), af::cancelled_error);
    EXPECT_THROW(af::block_on(std::move(never_ran)), af::cancelled_error);
}

TEST(local_pool, a_waker_that_outlives_the_pool_is_harmless) {
    af::test::manual_future<int> m;
    af::join_handle<int> h;
    {
        af::executor::local_pool pool;
        h = pool.spawn(m.get());
        pool.run_until_stalled();
    }
    m.set(1);  // the future is gone, so no waker is left; a stale wake would be a use-after-free
    EXPECT_THROW(af::block_on(std::move(h)), af::cancelled_error);
}

TEST(local_pool, spawning_through_a_spawner_after_the_pool_is_gone_gives_a_cancelled_task) {
    std::optional<af::executor::spawner> sp;
    {
        af::executor::local_pool pool;
        sp.emplace(pool.spawner());
    }
    af::test::drop_counter drops;
    auto h = sp->spawn([g = drops.make()]() -> af::task<int> { co_return 1; });
    EXPECT_EQ(drops.count(), 1);
    EXPECT_THROW(af::block_on(std::move(h)), af::cancelled_error);
}

TEST(local_pool, a_coroutine_lambdas_captures_outlive_the_lambda_object) {
    af::executor::local_pool pool;
    af::join_handle<std::size_t> h;
    {
        auto lambda = [s = std::string(100, 'x')]() -> af::task<std::size_t> {
            co_await af::yield_now();
            co_return s.size();
        };
        h = pool.spawn(lambda);  // copied into the task frame by co_invoke
    }  // the lambda object dies before the task runs
    EXPECT_EQ(pool.run_until(std::move(h)), 100u);
}

TEST(local_pool, spawns_a_callable_returning_a_plain_future) {
    af::executor::local_pool pool;
    auto h = pool.spawn([] { return af::ready(5); });
    EXPECT_EQ(pool.run_until(std::move(h)), 5);
}

TEST(local_pool, wake_storm_from_other_threads_polls_at_most_once_per_wake) {
    constexpr int threads = 4;
    constexpr int per_thread = 2500;
    constexpr int total = threads * per_thread;
    struct shared_state {
        std::atomic<int> sent{0};
        std::atomic<int> polls{0};
        std::atomic<bool> armed{false};
        std::optional<af::waker> w;
    };
    auto st = std::make_shared<shared_state>();
    af::executor::local_pool pool;
    auto h = pool.spawn(af::poll_fn([st](af::context& cx) -> af::poll<int> {
        int n = st->polls.fetch_add(1, std::memory_order_relaxed) + 1;
        if (n == 1) {
            st->w.emplace(cx.waker());
            st->armed.store(true, std::memory_order_release);
        }
        if (st->sent.load(std::memory_order_acquire) == total) return n;
        return af::pending;
    }));
    std::vector<std::thread> wakers;
    for (int i = 0; i < threads; ++i) {
        wakers.emplace_back([st] {
            while (!st->armed.load(std::memory_order_acquire)) std::this_thread::yield();
            for (int j = 0; j < per_thread; ++j) {
                st->sent.fetch_add(1, std::memory_order_release);
                st->w->wake_by_ref();
            }
        });
    }
    int polls = pool.run_until(std::move(h));
    for (auto& t : wakers) t.join();
    EXPECT_GE(polls, 2);
    EXPECT_LE(polls, total + 1);  // the first poll is not caused by a wake
    st->w.reset();
}

TEST(local_pool_death, running_the_pool_from_its_own_task_aborts_with_a_reason) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            af::executor::local_pool pool;
            pool.spawn([&pool]() -> af::task<void> {
                    pool.run_until_stalled();
                    co_return;
                })
                .detach();
            pool.run();
        },
        "local_pool run from inside one of its own tasks");
}

TEST(local_pool, move_only_outputs_are_moved_out_of_the_handle) {
    af::executor::local_pool pool;
    auto h = pool.spawn([]() -> af::task<std::unique_ptr<int>> { co_return std::make_unique<int>(9); });
    std::unique_ptr<int> p = pool.run_until(std::move(h));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(*p, 9);
}

TEST(local_pool, a_spawn_from_another_thread_wakes_a_parked_run) {
    af::executor::local_pool pool;
    af::test::manual_future<int> keep_alive;  // keeps run() from returning until the spawned task ran
    auto waiting = pool.spawn(keep_alive.get());
    af::executor::spawner sp = pool.spawner();
    std::atomic<bool> ran{false};
    std::thread remote([&] {
        while (!keep_alive.has_waiter()) std::this_thread::yield();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // let run() park
        sp.spawn([&ran, &keep_alive]() -> af::task<void> {
              ran.store(true);
              keep_alive.set(0);
              co_return;
          })
            .detach();
    });
    pool.run();
    remote.join();
    EXPECT_TRUE(ran.load());
    EXPECT_TRUE(waiting.is_finished());
}

// Tasks spawned from the pool's own thread are listed without a lock, tasks spawned from
// elsewhere when the pool drains its inbox: run() must wait for both kinds.
TEST(local_pool, run_waits_for_tasks_spawned_from_inside_and_from_another_thread) {
    af::executor::local_pool pool;
    af::executor::spawner sp = pool.spawner();
    std::atomic<int> done{0};
    std::thread remote;
    pool.spawn([&]() -> af::task<void> {
        remote = std::thread([&, sp] {
            for (int i = 0; i < 100; ++i) {
                sp.spawn([&]() -> af::task<void> {
                      co_await af::yield_now();
                      done.fetch_add(1, std::memory_order_relaxed);
                  }).detach();
            }
        });
        for (int i = 0; i < 100; ++i) {
            pool.spawn([&]() -> af::task<void> {
                    co_await af::yield_now();
                    done.fetch_add(1, std::memory_order_relaxed);
                }).detach();
        }
        while (done.load(std::memory_order_relaxed) < 200) co_await af::yield_now();
    }).detach();
    pool.run();
    remote.join();
    EXPECT_EQ(done.load(), 200);
}

}  // namespace executor_local_pool_test
