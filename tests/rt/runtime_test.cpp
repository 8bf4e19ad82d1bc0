// SPDX-License-Identifier: MIT
#include "af/rt/runtime.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <pthread.h>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/future/never.hpp"
#include "af/future/yield_now.hpp"
#include "af/rt/spawn.hpp"
#include "af/test/drop_counter.hpp"

namespace rt_runtime_test {

namespace {

using namespace std::chrono_literals;

af::rt::runtime make(af::rt::flavor f, std::size_t workers = 2) {
    af::rt::builder b;
    switch (f) {
    case af::rt::flavor::multi_thread: b.multi_thread().worker_threads(workers); break;
    case af::rt::flavor::current_thread: b.current_thread(); break;
    case af::rt::flavor::thread_per_core: b.thread_per_core().worker_threads(workers); break;
    }
    return b.enable_time().build();
}

class every_flavor : public ::testing::TestWithParam<af::rt::flavor> {};

af::task<int> add_after_yields(int a, int b, int yields) {
    for (int i = 0; i < yields; ++i) co_await af::yield_now();
    co_return a + b;
}

TEST_P(every_flavor, block_on_returns_the_output_of_a_task) {
    af::rt::runtime rt = make(GetParam());
    EXPECT_EQ(rt.block_on(add_after_yields(20, 22, 3)), 42);
}

TEST_P(every_flavor, block_on_rethrows_the_exception_of_the_future) {
    af::rt::runtime rt = make(GetParam());
    auto boom = []() -> af::task<int> {
        co_await af::yield_now();
        throw std::runtime_error("boom");
    };
    EXPECT_THROW(rt.block_on(boom), std::runtime_error);
}

TEST_P(every_flavor, spawned_tasks_all_run_and_their_handles_return_outputs) {
    af::rt::runtime rt = make(GetParam());
    int total = rt.block_on([]() -> af::task<int> {
        std::vector<af::join_handle<int>> hs;
        for (int i = 0; i < 1000; ++i) hs.push_back(af::rt::spawn(add_after_yields(i, 1, i % 4)));
        int sum = 0;
        for (auto& h : hs) sum += co_await std::move(h);
        co_return sum;
    });
    EXPECT_EQ(total, 1000 * 999 / 2 + 1000);
}

TEST_P(every_flavor, spawn_storm_from_many_outside_threads_loses_nothing) {
    af::rt::runtime rt = make(GetParam());
    std::atomic<int> ran{0};
    std::vector<std::thread> threads;
    std::vector<std::vector<af::join_handle<void>>> handles(4);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 500; ++i) {
                handles[t].push_back(rt.spawn([&ran]() -> af::task<void> {
                    co_await af::yield_now();
                    ran.fetch_add(1, std::memory_order_relaxed);
                }));
            }
        });
    }
    for (auto& th : threads) th.join();
    rt.block_on([&]() -> af::task<void> {
        for (auto& hs : handles) {
            for (auto& h : hs) co_await std::move(h);
        }
    });
    EXPECT_EQ(ran.load(), 2000);
}

TEST_P(every_flavor, dropping_the_runtime_cancels_pending_tasks_and_frees_their_futures) {
    af::test::drop_counter drops;
    af::join_handle<void> h;
    {
        af::rt::runtime rt = make(GetParam());
        for (int i = 0; i < 100; ++i) {
            rt.spawn([d = drops.make()]() -> af::task<void> {
                co_await af::never<void>();
            });
        }
        h = rt.spawn([d = drops.make()]() -> af::task<void> { co_await af::never<void>(); });
        rt.block_on(af::yield_now());
    }
    EXPECT_EQ(drops.count(), 101);
    EXPECT_TRUE(h.is_finished());
    EXPECT_THROW(af::block_on(std::move(h)), af::cancelled_error);
}

TEST_P(every_flavor, abort_cancels_a_waiting_task_and_its_handle_reports_it) {
    af::rt::runtime rt = make(GetParam());
    af::test::drop_counter drops;
    bool cancelled = rt.block_on([&]() -> af::task<bool> {
        auto h = af::rt::spawn([d = drops.make()]() -> af::task<void> { co_await af::never<void>(); });
        co_await af::yield_now();
        h.abort();
        try {
            co_await std::move(h);
        } catch (const af::cancelled_error&) {
            co_return true;
        }
        co_return false;
    });
    EXPECT_TRUE(cancelled);
    EXPECT_EQ(drops.count(), 1);
}

TEST_P(every_flavor, handle_spawns_from_another_thread_and_current_is_available_inside) {
    af::rt::runtime rt = make(GetParam());
    af::rt::handle h = rt.handle();
    std::thread other([h] {
        auto jh = h.spawn([]() -> af::task<int> {
            af::rt::handle inner = af::rt::handle::current();
            auto j = inner.spawn(add_after_yields(1, 2, 1));
            co_return co_await std::move(j);
        });
        EXPECT_EQ(h.block_on(std::move(jh)), 3);
    });
    other.join();
}

TEST_P(every_flavor, spawn_after_shutdown_gives_a_cancelled_handle) {
    af::rt::runtime rt = make(GetParam());
    af::rt::handle h = rt.handle();
    rt.shutdown_timeout(1s);
    auto jh = h.spawn(add_after_yields(1, 1, 0));
    EXPECT_TRUE(jh.is_finished());
    EXPECT_THROW(af::block_on(std::move(jh)), af::cancelled_error);
}

TEST_P(every_flavor, metrics_count_spawned_tasks_and_polls) {
    af::rt::runtime rt = make(GetParam());
    rt.block_on([]() -> af::task<void> {
        std::vector<af::join_handle<int>> hs;
        for (int i = 0; i < 50; ++i) hs.push_back(af::rt::spawn(add_after_yields(i, 0, 2)));
        for (auto& h : hs) co_await std::move(h);
        af::rt::runtime_metrics m = af::rt::metrics();
        EXPECT_GE(m.tasks_spawned, 50u);
        EXPECT_GE(m.polls, 150u);  // each task: first poll + two yields
        EXPECT_EQ(m.tasks_alive, 0u);
    });
}

INSTANTIATE_TEST_SUITE_P(flavors, every_flavor,
                         ::testing::Values(af::rt::flavor::multi_thread, af::rt::flavor::current_thread,
                                           af::rt::flavor::thread_per_core),
                         [](const auto& info) {
                             switch (info.param) {
                             case af::rt::flavor::multi_thread: return std::string("multi_thread");
                             case af::rt::flavor::current_thread: return std::string("current_thread");
                             case af::rt::flavor::thread_per_core: return std::string("thread_per_core");
                             }
                             return std::string("unknown");
                         });

TEST(runtime, spawn_outside_a_runtime_throws_a_clear_error) {
    try {
        (void)af::rt::spawn(add_after_yields(1, 1, 0));
        FAIL() << "no exception";
    } catch (const std::logic_error& e) {
        EXPECT_STREQ(e.what(), "af::rt::spawn called outside an af runtime; call it from inside a runtime "
                               "(block_on/spawn) or enter one with handle.enter()");
    }
}

TEST(runtime, builder_rejects_impossible_settings) {
    EXPECT_THROW(af::rt::builder().worker_threads(0).build(), std::invalid_argument);
    EXPECT_THROW(af::rt::builder().max_blocking_threads(0).build(), std::invalid_argument);
    EXPECT_THROW(af::rt::builder().multi_thread().rng_seed(1).build(), std::invalid_argument);
    EXPECT_THROW(af::rt::builder().start_paused().build(), std::invalid_argument);
}

TEST(runtime, spawn_local_needs_a_current_thread_runtime) {
    af::rt::runtime mt = make(af::rt::flavor::multi_thread);
    EXPECT_THROW(mt.block_on([]() -> af::task<void> {
        auto h = af::rt::spawn_local(add_after_yields(1, 1, 0));
        co_await std::move(h);
    }),
                 std::logic_error);
    af::rt::runtime ct = make(af::rt::flavor::current_thread);
    int v = ct.block_on([]() -> af::task<int> {
        std::thread::id me = std::this_thread::get_id();
        auto h = af::rt::spawn_local([me]() -> af::task<int> {
            co_await af::yield_now();
            co_return std::this_thread::get_id() == me ? 7 : -1;
        });
        co_return co_await std::move(h);
    });
    EXPECT_EQ(v, 7);
}

TEST(runtime, thread_per_core_keeps_a_task_and_its_children_on_one_thread) {
    af::rt::runtime rt = make(af::rt::flavor::thread_per_core, 2);
    bool same = rt.block_on([]() -> af::task<bool> {
        auto h = af::rt::spawn([]() -> af::task<bool> {
            std::thread::id me = std::this_thread::get_id();
            bool ok = true;
            for (int i = 0; i < 20; ++i) {
                auto c = af::rt::spawn([]() -> af::task<std::thread::id> {
                    co_await af::yield_now();
                    co_return std::this_thread::get_id();
                });
                ok = ok && (co_await std::move(c)) == me;
                ok = ok && std::this_thread::get_id() == me;
            }
            co_return ok;
        });
        co_return co_await std::move(h);
    });
    EXPECT_TRUE(same);
}

TEST(runtime, multi_thread_uses_every_worker_thread) {
    af::rt::runtime rt = make(af::rt::flavor::multi_thread, 2);
    std::mutex m;
    std::set<std::thread::id> seen;
    rt.block_on([&]() -> af::task<void> {
        std::vector<af::join_handle<void>> hs;
        for (int i = 0; i < 64; ++i) {
            hs.push_back(af::rt::spawn([&]() -> af::task<void> {
                auto until = std::chrono::steady_clock::now() + 2ms;
                while (std::chrono::steady_clock::now() < until) {
                }
                std::lock_guard lk(m);
                seen.insert(std::this_thread::get_id());
                co_return;
            }));
        }
        for (auto& h : hs) co_await std::move(h);
    });
    EXPECT_EQ(seen.size(), 2u);
}

TEST(runtime, thread_hooks_and_names_apply_to_worker_threads) {
    std::atomic<int> starts{0}, stops{0};
    {
        af::rt::runtime rt = af::rt::builder()
                                 .multi_thread()
                                 .worker_threads(2)
                                 .thread_name("af-test-worker")
                                 .on_thread_start([&] { starts.fetch_add(1); })
                                 .on_thread_stop([&] { stops.fetch_add(1); })
                                 .build();
        std::string name = rt.block_on(rt.spawn([]() -> af::task<std::string> {
            char buf[32] = {};
            pthread_getname_np(pthread_self(), buf, sizeof buf);
            co_return std::string(buf);
        }));
        EXPECT_EQ(name, "af-test-worker");
    }
    EXPECT_EQ(starts.load(), 2);
    EXPECT_EQ(stops.load(), 2);
}

}  // namespace

}  // namespace rt_runtime_test
