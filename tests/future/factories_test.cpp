// SPDX-License-Identifier: MIT
// ready, never, yield_now, poll_fn and lazy: the small future constructors.
#include "af/future/lazy.hpp"
#include "af/future/never.hpp"
#include "af/future/poll_fn.hpp"
#include "af/future/ready.hpp"
#include "af/future/yield_now.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "af/test/wake_counter.hpp"

namespace future_factories_test {

namespace {

static_assert(af::future<af::ready_future<int>>);
static_assert(af::future<af::never_future<>>);
static_assert(af::future<af::yield_now_future>);

TEST(ready, is_ready_on_the_first_poll_with_its_value) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto r = af::ready(std::make_unique<int>(3));
    auto p = r.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(*p.value(), 3);
    auto v = af::ready();
    EXPECT_TRUE(v.poll(cx).is_ready());
}

TEST(never, stays_pending_and_never_wakes) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto n = af::never<int>();
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(n.poll(cx).is_pending());
    EXPECT_EQ(wc.count(), 0u);
    EXPECT_EQ(wc.clones_alive(), 0u);
}

TEST(yield_now, is_pending_once_after_waking_then_ready) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto y = af::yield_now();
    EXPECT_TRUE(y.poll(cx).is_pending());
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(y.poll(cx).is_ready());
}

TEST(poll_fn, calls_the_function_on_each_poll) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    int calls = 0;
    auto f = af::poll_fn([&](af::context& c) -> af::poll<int> {
        if (++calls == 3) return 30;
        c.waker().wake_by_ref();
        return af::pending;
    });
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_EQ(f.poll(cx).value(), 30);
    EXPECT_EQ(wc.count(), 2u);
}

TEST(lazy, runs_nothing_until_the_first_poll) {
    int runs = 0;
    auto l = af::lazy([&] { return ++runs * 7; });
    EXPECT_EQ(runs, 0);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_EQ(l.poll(cx).value(), 7);
    EXPECT_EQ(runs, 1);
    bool side = false;
    auto lv = af::lazy([&] { side = true; });
    EXPECT_TRUE(lv.poll(cx).is_ready());
    EXPECT_TRUE(side);
}

}  // namespace

}  // namespace future_factories_test
