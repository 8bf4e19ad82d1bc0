// SPDX-License-Identifier: MIT
#include "af/future/select.hpp"

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
#include "af/future/join.hpp"
#include "af/future/never.hpp"
#include "af/future/ready.hpp"
#include "af/future/yield_now.hpp"
#include "af/test/drop_counter.hpp"
#include "future/leaf.hpp"
#include "af/test/wake_counter.hpp"

namespace future_select_test {

namespace {

using af_test::leaf;
using af_test::leaf_state;

std::shared_ptr<leaf_state> make_state() { return std::make_shared<leaf_state>(); }

af::task<int> add_later(int a, int b) {
    co_await af::yield_now();
    co_return a + b;
}

}  // namespace

TEST(select, the_first_ready_child_wins_and_its_index_is_the_alternative) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::select(af::never<int>(), af::ready(std::string("picked")));
    auto p = s.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(p->index(), 1u);
    EXPECT_EQ(std::get<1>(*p), "picked");
}

TEST(select, same_output_types_stay_distinguishable_by_index) {
    auto a = make_state(), b = make_state();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::select(leaf(a), leaf(b));
    EXPECT_TRUE(s.poll(cx).is_pending());
    b->complete(7);
    auto p = s.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(p->index(), 1u);
    EXPECT_EQ(std::get<1>(*p), 7);
}

TEST(select, select_biased_gives_a_tie_to_the_lowest_index) {
    auto a = make_state(), b = make_state(), c = make_state();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::select_biased(leaf(a), leaf(b), leaf(c));
    EXPECT_TRUE(s.poll(cx).is_pending());
    c->complete(3);  // woken first...
    b->complete(2);  // ...but b has the lower index
    auto p = s.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(p->index(), 1u);
    EXPECT_EQ(c->polls, 1) << "the round stops at the winner";

    auto ready_twice = af::select_biased(af::ready(1), af::ready(2));
    auto q = ready_twice.poll(cx);
    ASSERT_TRUE(q.is_ready());
    EXPECT_EQ(q->index(), 0u);
}

TEST(select, re_polls_only_the_woken_child) {
    auto a = make_state(), b = make_state(), c = make_state();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::select(leaf(a), leaf(b), leaf(c));
    EXPECT_TRUE(s.poll(cx).is_pending());
    c->wake();
    EXPECT_TRUE(s.poll(cx).is_pending());
    EXPECT_EQ(a->polls, 1);
    EXPECT_EQ(b->polls, 1);
    EXPECT_EQ(c->polls, 2);
    EXPECT_TRUE(s.poll(cx).is_pending());
    EXPECT_EQ(a->polls + b->polls + c->polls, 4);
}

TEST(select, losers_are_destroyed_exactly_once_when_it_completes) {
    auto a = make_state(), b = make_state(), c = make_state();
    af::test::wake_counter wc;
    {
        af::context cx(wc.waker());
        auto s = af::select(leaf(a), leaf(b), leaf(c));
        EXPECT_TRUE(s.poll(cx).is_pending());
        b->complete(2);
        ASSERT_TRUE(s.poll(cx).is_ready());
        EXPECT_EQ(a->drops, 1) << "losers are cancelled before poll returns";
        EXPECT_EQ(b->drops, 1);
        EXPECT_EQ(c->drops, 1);
    }
    EXPECT_EQ(a->drops + b->drops + c->drops, 3) << "and not again when the select dies";
}

TEST(select, cancels_a_task_that_was_waiting) {
    af::test::drop_counter drops;
    auto waiting = [](af::test::drop_counter::guard) -> af::task<int> {
        co_await af::never();
        co_return 0;
    };
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::select(waiting(drops.make()), af::yield_now());
    EXPECT_TRUE(s.poll(cx).is_pending());
    EXPECT_EQ(drops.count(), 0);
    auto p = s.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(p->index(), 1u);
    EXPECT_EQ(drops.count(), 1);
}

TEST(select, a_throwing_child_wins_and_the_others_are_cancelled) {
    auto a = make_state(), b = make_state();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::select(leaf(a), leaf(b));
    EXPECT_TRUE(s.poll(cx).is_pending());
    a->throw_next();
    EXPECT_THROW((void)s.poll(cx), std::runtime_error);
    EXPECT_EQ(a->drops, 1);
    EXPECT_EQ(b->drops, 1);
}

TEST(select, destroying_it_cancels_every_child_and_releases_the_parent_waker) {
    auto a = make_state(), b = make_state();
    af::test::wake_counter wc;
    {
        af::context cx(wc.waker());
        auto s = af::select(leaf(a), leaf(b));
        EXPECT_TRUE(s.poll(cx).is_pending());
    }
    EXPECT_EQ(a->drops, 1);
    EXPECT_EQ(b->drops, 1);
    EXPECT_EQ(wc.clones_alive(), 0u);
}

TEST(select, a_wake_from_another_thread_completes_it) {
    for (int r = 0; r < 100; ++r) {
        auto a = make_state(), b = make_state();
        af::test::wake_counter wc;
        af::context cx(wc.waker());
        auto s = af::select(leaf(a), leaf(b));
        EXPECT_TRUE(s.poll(cx).is_pending());
        std::thread t([&] {
            b->wake();
            b->complete(r);
        });
        for (;;) {
            std::size_t seen = wc.count();
            auto p = s.poll(cx);
            if (p.is_ready()) {
                EXPECT_EQ(p->index(), 1u);
                EXPECT_EQ(std::get<1>(*p), r);
                break;
            }
            while (wc.count() == seen) std::this_thread::yield();
        }
        t.join();
        EXPECT_EQ(a->drops, 1);
    }
}

TEST(select, nested_in_a_join_re_polls_only_the_woken_leaf) {
    auto a = make_state(), b = make_state(), c = make_state(), d = make_state();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto j = af::join(af::select(leaf(a), leaf(b)), af::select(leaf(c), leaf(d)));
    EXPECT_TRUE(j.poll(cx).is_pending());
    d->wake();
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(j.poll(cx).is_pending());
    EXPECT_EQ(a->polls + b->polls + c->polls, 3);
    EXPECT_EQ(d->polls, 2);
    a->complete(1);
    d->complete(4);
    auto p = j.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(std::get<0>(std::get<0>(*p)), 1);
    EXPECT_EQ(std::get<1>(std::get<1>(*p)), 4);
    EXPECT_EQ(b->polls + c->polls, 2);
    EXPECT_EQ(a->drops + b->drops + c->drops + d->drops, 4);
}

TEST(select, works_under_co_await_in_a_task) {
    auto t = []() -> af::task<int> {
        auto won = co_await af::select(af::never<int>(), add_later(20, 22));
        co_return static_cast<int>(won.index()) * 100 + std::get<1>(won);
    };
    EXPECT_EQ(af::block_on(t()), 142);
}

#ifndef NDEBUG
TEST(select_death, polling_after_ready_asserts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::select(af::ready(1));
    EXPECT_TRUE(s.poll(cx).is_ready());
    EXPECT_DEATH((void)s.poll(cx), "polled after it completed");
}
#endif

}  // namespace future_select_test
