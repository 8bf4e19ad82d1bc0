// SPDX-License-Identifier: MIT
#include "af/sync/once_cell.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "af/executor/block_on.hpp"
#include "af/executor/thread_pool.hpp"
#include "af/future/ready.hpp"
#include "af/future/yield_now.hpp"
#include "af/test/manual_future.hpp"
#include "af/test/wake_counter.hpp"

namespace sync_once_cell_test {

namespace {

using af::sync::once_cell;

TEST(once_cell, get_or_init_runs_the_initializer_once) {
    once_cell<std::string> cell;
    EXPECT_EQ(cell.get(), nullptr);
    int runs = 0;
    auto init = [&] {
        ++runs;
        return af::ready(std::string("v"));
    };
    std::string& a = af::block_on(cell.get_or_init(init));
    std::string& b = af::block_on(cell.get_or_init(init));
    EXPECT_EQ(runs, 1);
    EXPECT_EQ(&a, &b);
    EXPECT_EQ(*cell.get(), "v");
    EXPECT_FALSE(cell.try_set("w"));
}

TEST(once_cell, racing_callers_wait_for_the_first_initializer) {
    once_cell<int> cell;
    af::test::manual_future<int> slow;
    af::test::wake_counter w1, w2;
    af::context c1(w1.waker()), c2(w2.waker());
    int runs = 0;
    auto first = cell.get_or_init([&] { ++runs; return slow.get(); });
    auto second = cell.get_or_init([&] { ++runs; return af::ready(2); });
    EXPECT_TRUE(first.poll(c1).is_pending());
    EXPECT_TRUE(second.poll(c2).is_pending());
    EXPECT_EQ(runs, 1);
    slow.set(1);
    EXPECT_EQ(w1.count(), 1u);
    EXPECT_EQ(first.poll(c1).value().get(), 1);
    EXPECT_EQ(w2.count(), 1u);
    EXPECT_EQ(second.poll(c2).value().get(), 1);
    EXPECT_EQ(runs, 1);
}

TEST(once_cell, a_cancelled_initializer_lets_the_next_waiter_take_over) {
    once_cell<int> cell;
    af::test::manual_future<int> never_set;
    af::test::wake_counter w1, w2;
    af::context c1(w1.waker()), c2(w2.waker());
    std::optional<af::task<std::reference_wrapper<int>>> first;
    first.emplace(cell.get_or_init([&] { return never_set.get(); }));
    auto second = cell.get_or_init([] { return af::ready(7); });
    EXPECT_TRUE(first->poll(c1).is_pending());
    EXPECT_TRUE(second.poll(c2).is_pending());
    first.reset();
    EXPECT_EQ(w2.count(), 1u);
    EXPECT_EQ(second.poll(c2).value().get(), 7);
    EXPECT_EQ(*cell.get(), 7);
}

TEST(once_cell, a_throwing_initializer_leaves_the_cell_empty_for_the_next_caller) {
    once_cell<int> cell;
    auto bad = [] () -> af::task<int> {
        co_await af::yield_now();
        throw std::runtime_error("init failed");
    };
    EXPECT_THROW(af::block_on(cell.get_or_init(bad)), std::runtime_error);
    EXPECT_FALSE(cell.initialized());
    EXPECT_EQ(af::block_on(cell.get_or_init([] { return af::ready(3); })).get(), 3);
}

TEST(once_cell, try_set_fills_an_empty_cell) {
    once_cell<std::string> cell;
    EXPECT_TRUE(cell.try_set(3, 'x'));
    EXPECT_EQ(*cell.get(), "xxx");
    int runs = 0;
    EXPECT_EQ(af::block_on(cell.get_or_init([&] { ++runs; return af::ready(std::string()); })).get(), "xxx");
    EXPECT_EQ(runs, 0);
}

TEST(once_cell, many_tasks_on_a_thread_pool_initialize_once) {
    once_cell<int> cell;
    std::atomic<int> runs{0};
    af::executor::thread_pool pool(4);
    std::vector<af::join_handle<int>> hs;
    for (int i = 0; i < 16; ++i) {
        hs.push_back(pool.spawn([&cell, &runs]() -> af::task<int> {
            int& v = co_await cell.get_or_init([&runs]() -> af::task<int> {
                runs.fetch_add(1);
                co_await af::yield_now();
                co_return 42;
            });
            co_return v;
        }));
    }
    for (auto& h : hs) EXPECT_EQ(af::block_on(std::move(h)), 42);
    EXPECT_EQ(runs.load(), 1);
}

}  // namespace

}  // namespace sync_once_cell_test
