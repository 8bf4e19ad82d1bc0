// SPDX-License-Identifier: MIT
// af::any_future and af::boxed: erasure, move-only outputs, destruction, moving after a poll.
#include "af/future/any_future.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/future/map.hpp"
#include "af/future/poll_fn.hpp"
#include "af/future/ready.hpp"
#include "af/future/yield_now.hpp"
#include "af/test/drop_counter.hpp"
#include "af/test/manual_future.hpp"
#include "af/test/wake_counter.hpp"

namespace future_any_future_test {

namespace {

static_assert(af::future<af::any_future<int>>);
static_assert(!std::is_copy_constructible_v<af::any_future<int>>);
static_assert(!std::is_convertible_v<af::ready_future<int>, af::any_future<int>>, "boxing is explicit");

TEST(any_future, boxes_a_move_only_output) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af::any_future<std::unique_ptr<int>> f = af::boxed(af::ready(std::make_unique<int>(7)));
    auto p = f.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(*p.value(), 7);
}

TEST(any_future, holds_different_future_types_behind_one_type) {
    std::vector<af::any_future<int>> fs;
    fs.push_back(af::boxed(af::ready(1)));
    fs.push_back(af::boxed(af::map(af::yield_now(), [] { return 2; })));
    fs.push_back(af::boxed([]() -> af::task<int> { co_return 3; }()));
    int sum = 0;
    for (auto& f : fs) sum += af::block_on(f);
    EXPECT_EQ(sum, 6);
}

TEST(any_future, may_be_moved_after_a_poll_and_destroys_the_erased_future_once) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af::test::manual_future<int> m;
    af::test::drop_counter drops;
    auto f = af::boxed([](af::test::drop_counter::guard, af::test::manual_future<int>::future in) -> af::task<int> {
        co_return co_await std::move(in) + 1;
    }(drops.make(), m.get()));
    EXPECT_TRUE(f.poll(cx).is_pending());
    af::any_future<int> moved = std::move(f);  // the erased task stays where it is on the heap
    EXPECT_FALSE(static_cast<bool>(f));
    m.set(41);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(moved.poll(cx).value(), 42);
    EXPECT_EQ(drops.count(), 1);
    moved = af::boxed(af::ready(0));
    EXPECT_EQ(drops.count(), 1);
}

TEST(any_future, destroying_a_pending_any_future_cancels_the_erased_future) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af::test::manual_future<int> m;
    {
        af::any_future<int> f = af::boxed(m.get());
        EXPECT_TRUE(f.poll(cx).is_pending());
        EXPECT_TRUE(m.future_alive());
    }
    EXPECT_FALSE(m.future_alive());
}

TEST(any_future, boxing_an_any_future_returns_it_without_rewrapping) {
    af::any_future<int> a = af::boxed(af::ready(5));
    static_assert(std::is_same_v<decltype(af::boxed(std::move(a))), af::any_future<int>>);
    af::any_future<int> b = af::boxed(std::move(a));
    EXPECT_FALSE(static_cast<bool>(a));
    auto t = [](af::any_future<int> f) -> af::task<int> { co_return co_await std::move(f); }(std::move(b));
    EXPECT_EQ(af::block_on(std::move(t)), 5);
}

TEST(any_future, boxes_a_void_future) {
    int polls = 0;  // pending once, then ready: the erased future really is driven to the end
    af::any_future<void> f = af::boxed(af::poll_fn([&](af::context& cx) -> af::poll<void> {
        if (++polls == 1) {
            cx.waker().wake_by_ref();
            return af::pending;
        }
        return {};
    }));
    af::block_on(std::move(f));
    EXPECT_EQ(polls, 2);
}

}  // namespace

}  // namespace future_any_future_test
