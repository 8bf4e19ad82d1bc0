// SPDX-License-Identifier: MIT
#include "af/future/try_join.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/future/never.hpp"
#include "af/future/ready.hpp"
#include "af/future/yield_now.hpp"
#include "af/test/drop_counter.hpp"
#include "future/leaf.hpp"
#include "af/test/wake_counter.hpp"

namespace future_try_join_test {

namespace {

using af_test::leaf;
using af_test::leaf_state;

std::shared_ptr<leaf_state> make_state() { return std::make_shared<leaf_state>(); }

af::task<int> add_later(int a, int b) {
    co_await af::yield_now();
    co_return a + b;
}

}  // namespace

TEST(try_join, gives_every_output_when_nothing_throws) {
    auto a = make_state(), b = make_state();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto j = af::try_join(leaf(a), leaf(b), af::ready());
    EXPECT_TRUE(j.poll(cx).is_pending());
    b->complete(2);
    EXPECT_TRUE(j.poll(cx).is_pending());
    EXPECT_EQ(a->polls, 1);
    a->complete(1);
    auto p = j.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(*p, std::make_tuple(1, 2, std::monostate{}));
}

TEST(try_join, the_first_exception_cancels_the_others_at_once) {
    auto a = make_state(), b = make_state(), c = make_state();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto j = af::try_join(leaf(a), leaf(b), leaf(c));
    EXPECT_TRUE(j.poll(cx).is_pending());
    a->complete(1);
    EXPECT_TRUE(j.poll(cx).is_pending());
    b->throw_next();
    EXPECT_THROW((void)j.poll(cx), std::runtime_error);
    EXPECT_EQ(a->drops, 1);
    EXPECT_EQ(b->drops, 1);
    EXPECT_EQ(c->drops, 1) << "the running child is cancelled in the poll that rethrows";
    EXPECT_EQ(c->polls, 1);
}

TEST(try_join, an_exception_in_the_first_poll_stops_the_round) {
    auto a = make_state(), b = make_state(), c = make_state();
    b->fail = true;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto j = af::try_join(leaf(a), leaf(b), leaf(c));
    EXPECT_THROW((void)j.poll(cx), std::runtime_error);
    EXPECT_EQ(a->polls, 1);
    EXPECT_EQ(c->polls, 0) << "children after the thrower are not polled";
    EXPECT_EQ(a->drops + b->drops + c->drops, 3);
}

TEST(try_join, the_lower_index_exception_wins_when_two_throw_in_one_poll) {
    auto a = make_state(), b = make_state();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto j = af::try_join(leaf(a), af::ready(0), leaf(b));
    EXPECT_TRUE(j.poll(cx).is_pending());
    b->throw_next();
    {
        std::lock_guard lk(a->m);
        a->fail = true;
    }
    a->wake();
    try {
        (void)j.poll(cx);
        FAIL() << "expected an exception";
    } catch (const std::runtime_error&) {
    }
    EXPECT_EQ(b->polls, 1) << "b was not polled: a's exception ended the round";
}

TEST(try_join, re_polls_only_the_woken_child) {
    auto a = make_state(), b = make_state();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto j = af::try_join(leaf(a), leaf(b));
    EXPECT_TRUE(j.poll(cx).is_pending());
    a->wake();
    EXPECT_TRUE(j.poll(cx).is_pending());
    EXPECT_EQ(a->polls, 2);
    EXPECT_EQ(b->polls, 1);
}

TEST(try_join, cancels_a_waiting_task_when_a_sibling_throws) {
    af::test::drop_counter drops;
    auto waiting = [](af::test::drop_counter::guard) -> af::task<int> {
        co_await af::never();
        co_return 0;
    };
    auto failing = []() -> af::task<int> {
        co_await af::yield_now();
        throw std::runtime_error("boom");
    };
    auto outer = [&]() -> af::task<std::string> {
        try {
            co_await af::try_join(waiting(drops.make()), failing());
        } catch (const std::runtime_error& e) {
            co_return e.what();
        }
        co_return "no exception";
    };
    EXPECT_EQ(af::block_on(outer()), "boom");
    EXPECT_EQ(drops.count(), 1);
}

TEST(try_join, an_exception_from_another_thread_cancels_the_rest) {
    for (int r = 0; r < 100; ++r) {
        auto a = make_state(), b = make_state();
        af::test::wake_counter wc;
        af::context cx(wc.waker());
        auto j = af::try_join(leaf(a), leaf(b));
        EXPECT_TRUE(j.poll(cx).is_pending());
        std::thread t([&] { a->throw_next(); });
        bool threw = false;
        while (!threw) {
            std::size_t seen = wc.count();
            try {
                if (j.poll(cx).is_ready()) break;
            } catch (const std::runtime_error&) {
                threw = true;
                break;
            }
            while (wc.count() == seen) std::this_thread::yield();
        }
        t.join();
        EXPECT_TRUE(threw);
        EXPECT_EQ(b->drops, 1);
    }
}

#ifndef NDEBUG
TEST(try_join_death, polling_after_ready_asserts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto j = af::try_join(af::ready(1));
    EXPECT_TRUE(j.poll(cx).is_ready());
    EXPECT_DEATH((void)j.poll(cx), "polled after it completed");
}
#endif

TEST(try_join, works_under_co_await_in_a_task) {
    auto t = []() -> af::task<int> {
        auto [x, y] = co_await af::try_join(add_later(1, 2), add_later(3, 4));
        co_return x * 10 + y;
    };
    EXPECT_EQ(af::block_on(t()), 37);
}

}  // namespace future_try_join_test
