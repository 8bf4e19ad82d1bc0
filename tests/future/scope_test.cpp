// SPDX-License-Identifier: MIT
// af::scope: borrowing children, nested spawns, per-child wakers, cancellation and errors.
#include "af/future/scope.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/future/map.hpp"
#include "af/future/never.hpp"
#include "af/future/poll_fn.hpp"
#include "af/future/yield_now.hpp"
#include "af/test/drop_counter.hpp"
#include "af/test/manual_future.hpp"
#include "af/test/wake_counter.hpp"

namespace future_scope_test {

namespace {

static_assert(af::future<af::scope>);

af::task<> add_part(const std::vector<int>& data, std::size_t part, std::size_t parts, int& total) {
    for (std::size_t i = part; i < data.size(); i += parts) {
        co_await af::yield_now();  // interleave with the siblings
        total += data[i];
    }
}

TEST(scope, children_borrow_the_awaiting_tasks_locals_by_reference) {
    auto parent = []() -> af::task<int> {
        std::vector<int> data{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        int total = 0;
        af::scope s;  // declared after what the children borrow
        for (std::size_t i = 0; i < 4; ++i) s.spawn(add_part(data, i, 4, total));
        s.spawn([&total]() -> af::task<> {
            co_await af::yield_now();
            total += 1000;
        });
        co_await s;
        EXPECT_EQ(s.size(), 0u);
        co_return total;
    };
    EXPECT_EQ(af::block_on(parent()), 1055);
}

TEST(scope, an_empty_scope_is_ready_at_once_and_is_reusable) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af::scope s;
    EXPECT_TRUE(s.poll(cx).is_ready());
    int runs = 0;
    s.spawn(af::map(af::yield_now(), [&] { ++runs; }));
    EXPECT_TRUE(s.poll(cx).is_pending());
    EXPECT_TRUE(s.poll(cx).is_ready());
    s.spawn(af::map(af::yield_now(), [&] { ++runs; }));
    EXPECT_TRUE(s.poll(cx).is_pending());
    EXPECT_TRUE(s.poll(cx).is_ready());
    EXPECT_EQ(runs, 2);
}

TEST(scope, only_woken_children_are_polled_again) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    std::vector<af::test::manual_future<int>> ms(3);
    int sum = 0;
    af::scope s;
    for (auto& m : ms) s.spawn(af::map(m.get(), [&sum](int v) { sum += v; }));
    EXPECT_TRUE(s.poll(cx).is_pending());
    for (auto& m : ms) EXPECT_EQ(m.polls(), 1);
    EXPECT_EQ(wc.count(), 0u);  // spawned before the first poll: no waker was registered yet
    std::size_t before = wc.count();

    ms[1].set(10);
    EXPECT_EQ(wc.count(), before + 1);  // a child's wake wakes the awaiting task
    EXPECT_TRUE(s.poll(cx).is_pending());
    EXPECT_EQ(ms[0].polls(), 1);
    EXPECT_EQ(ms[1].polls(), 2);
    EXPECT_EQ(ms[2].polls(), 1);
    EXPECT_EQ(s.size(), 2u);

    EXPECT_TRUE(s.poll(cx).is_pending());  // a spurious poll polls nobody
    EXPECT_EQ(ms[0].polls() + ms[1].polls() + ms[2].polls(), 4);

    ms[0].set(1);
    ms[2].set(100);
    ms[0].wake();  // a second wake of a queued child queues it once
    EXPECT_TRUE(s.poll(cx).is_ready());
    EXPECT_EQ(ms[0].polls(), 2);
    EXPECT_EQ(ms[2].polls(), 2);
    EXPECT_EQ(sum, 111);
}

TEST(scope, a_child_may_spawn_another_child) {
    auto parent = []() -> af::task<std::vector<int>> {
        std::vector<int> order;
        af::scope s;
        s.spawn([&]() -> af::task<> {
            order.push_back(1);
            s.spawn([&]() -> af::task<> {
                co_await af::yield_now();
                order.push_back(3);
            });
            co_await af::yield_now();
            order.push_back(2);
        });
        co_await s;
        co_return order;
    };
    auto order = af::block_on(parent());
    ASSERT_EQ(order.size(), 3u);
    EXPECT_EQ(order[0], 1);
}

TEST(scope, a_child_exception_cancels_the_siblings_and_is_rethrown) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af::test::drop_counter drops;
    af::test::manual_future<int> trigger;
    int sibling_polls = 0;
    af::scope s;
    for (int i = 0; i < 3; ++i) {
        s.spawn([](af::test::drop_counter::guard, int& polls) -> af::task<> {
            co_await af::poll_fn([&polls](af::context&) -> af::poll<void> {
                ++polls;
                return af::pending;
            });
        }(drops.make(), sibling_polls));
    }
    s.spawn([](af::test::manual_future<int>::future f) -> af::task<> {
        co_await std::move(f);
        throw std::runtime_error("child failed");
    }(trigger.get()));
    EXPECT_TRUE(s.poll(cx).is_pending());
    EXPECT_EQ(sibling_polls, 3);
    EXPECT_EQ(drops.count(), 0);
    trigger.set(0);
    EXPECT_THROW((void)s.poll(cx), std::runtime_error);
    EXPECT_EQ(drops.count(), 3);  // every sibling destroyed, in the same poll
    EXPECT_EQ(sibling_polls, 3);
    EXPECT_EQ(s.size(), 0u);
    EXPECT_FALSE(trigger.future_alive());
}

TEST(scope, a_child_exception_reaches_co_await_after_siblings_are_gone) {
    af::test::drop_counter drops;
    auto parent = [&]() -> af::task<int> {
        af::scope s;
        s.spawn([](af::test::drop_counter::guard) -> af::task<> { co_await af::never(); }(drops.make()));
        s.spawn([]() -> af::task<> {
            co_await af::yield_now();
            throw std::logic_error("bad");
        });
        try {
            co_await s;
        } catch (const std::logic_error&) {
            co_return drops.count();
        }
        co_return -1;
    };
    EXPECT_EQ(af::block_on(parent()), 1);
}

TEST(scope, destroying_a_scope_that_was_never_awaited_destroys_its_children) {
    af::test::drop_counter drops;
    af::test::manual_future<int> m;
    {
        af::scope s;
        s.spawn([](af::test::drop_counter::guard) -> af::task<> { co_return; }(drops.make()));
        s.spawn(af::map(m.get(), [](int) {}));
    }
    EXPECT_EQ(drops.count(), 1);
    EXPECT_EQ(m.polls(), 0);
    EXPECT_FALSE(m.future_alive());
}

TEST(scope, destroying_the_awaiting_task_cancels_pending_children) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af::test::drop_counter drops;
    std::vector<af::test::manual_future<int>> ms(2);
    {
        auto body = [&]() -> af::task<> {  // named: the frame refers to the lambda's captures
            af::scope s;
            for (auto& m : ms) {
                s.spawn([](af::test::drop_counter::guard, af::test::manual_future<int>::future f) -> af::task<> {
                    co_await std::move(f);
                }(drops.make(), m.get()));
            }
            co_await s;
        };
        auto parent = body();
        EXPECT_TRUE(parent.poll(cx).is_pending());
        EXPECT_EQ(drops.count(), 0);
    }
    EXPECT_EQ(drops.count(), 2);
    for (auto& m : ms) EXPECT_FALSE(m.future_alive());
}

TEST(scope, a_child_that_always_wakes_itself_does_not_starve_the_task) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    int polls = 0;
    af::scope s;
    s.spawn(af::poll_fn([&](af::context& c) -> af::poll<void> {
        ++polls;
        c.waker().wake_by_ref();
        return af::pending;
    }));
    std::size_t before = wc.count();
    EXPECT_TRUE(s.poll(cx).is_pending());
    EXPECT_EQ(polls, 1);
    EXPECT_EQ(wc.count(), before + 1);  // the task is asked to come back
    EXPECT_TRUE(s.poll(cx).is_pending());
    EXPECT_EQ(polls, 2);
}

TEST(scope, a_child_waker_that_outlives_the_scope_is_harmless) {
    std::optional<af::waker> kept;
    {
        af::test::wake_counter wc;
        af::context cx(wc.waker());
        af::scope s;
        s.spawn(af::poll_fn([&](af::context& c) -> af::poll<void> {
            kept.emplace(c.waker());
            return af::pending;
        }));
        EXPECT_TRUE(s.poll(cx).is_pending());
    }
    kept->wake_by_ref();
    std::move(*kept).wake();
    SUCCEED();
}

TEST(scope, children_woken_from_other_threads_all_complete) {
    for (int round = 0; round < 20; ++round) {
        std::vector<af::test::manual_future<int>> ms(4);
        std::atomic<int> sum{0};
        auto parent = [&]() -> af::task<> {
            af::scope s;
            for (auto& m : ms) {
                s.spawn([](af::test::manual_future<int>::future f, std::atomic<int>& out) -> af::task<> {
                    out += co_await std::move(f);
                }(m.get(), sum));
            }
            co_await s;
        };
        std::vector<std::thread> ts;
        for (std::size_t i = 0; i < ms.size(); ++i) ts.emplace_back([&ms, i] { ms[i].set(static_cast<int>(i) + 1); });
        af::block_on(parent());
        for (auto& t : ts) t.join();
        EXPECT_EQ(sum.load(), 10);
    }
}

}  // namespace

}  // namespace future_scope_test
