// SPDX-License-Identifier: MIT
// af::abortable: aborting before and during the wait, from this and another thread.
#include "af/future/abortable.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/future/never.hpp"
#include "af/future/ready.hpp"
#include "af/test/drop_counter.hpp"
#include "af/test/manual_future.hpp"
#include "af/test/wake_counter.hpp"

namespace future_abortable_test {

namespace {

static_assert(af::future<af::abortable_future<af::ready_future<int>>>);
static_assert(std::is_same_v<af::output_of<af::abortable_future<af::ready_future<int>>>, std::optional<int>>);
static_assert(std::is_same_v<af::output_of<af::abortable_future<af::ready_future<void>>>, bool>);

TEST(abortable, completes_with_the_inner_value_when_not_aborted) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af::test::manual_future<int> m;
    auto [fut, handle] = af::abortable(m.get());
    EXPECT_TRUE(fut.poll(cx).is_pending());
    m.set(5);
    EXPECT_EQ(wc.count(), 1u);
    auto p = fut.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(p.value(), std::optional<int>(5));
    EXPECT_FALSE(handle.is_aborted());
    EXPECT_FALSE(m.future_alive());
}

TEST(abortable, aborted_before_the_first_poll_never_polls_the_inner_future) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af::test::manual_future<int> m;
    auto [fut, handle] = af::abortable(m.get());
    handle.abort();
    EXPECT_TRUE(handle.is_aborted());
    EXPECT_TRUE(fut.is_aborted());
    auto p = fut.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(p.value(), std::nullopt);
    EXPECT_EQ(m.polls(), 0);
    EXPECT_FALSE(m.future_alive());
}

TEST(abortable, abort_while_pending_wakes_then_the_poll_destroys_the_inner_future) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af::test::drop_counter drops;
    auto inner = [](af::test::drop_counter::guard) -> af::task<int> {
        co_await af::never();
        co_return 1;
    }(drops.make());
    auto [fut, handle] = af::abortable(std::move(inner));
    EXPECT_TRUE(fut.poll(cx).is_pending());
    EXPECT_EQ(wc.count(), 0u);
    auto copy = handle;  // any copy aborts the same future
    copy.abort();
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(drops.count(), 0);  // destroyed by the poll, on the future's side
    auto p = fut.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(p.value(), std::nullopt);
    EXPECT_EQ(drops.count(), 1);
    EXPECT_EQ(wc.clones_alive(), 0u);
}

TEST(abortable, void_output_reports_completed_or_aborted_as_bool) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto [done, h1] = af::abortable(af::ready());
    EXPECT_EQ(done.poll(cx).value(), true);
    auto [cut, h2] = af::abortable(af::never());
    EXPECT_TRUE(cut.poll(cx).is_pending());
    h2.abort();
    EXPECT_EQ(cut.poll(cx).value(), false);
    h1.abort();  // after completion: harmless
    EXPECT_TRUE(h1.is_aborted());
}

TEST(abortable, abort_from_another_thread_wakes_a_blocked_waiter) {
    for (int i = 0; i < 50; ++i) {
        af::test::drop_counter drops;
        auto inner = [](af::test::drop_counter::guard) -> af::task<int> {
            co_await af::never();
            co_return 1;
        }(drops.make());
        auto [fut, handle] = af::abortable(std::move(inner));
        std::thread t([h = handle, i] {
            // Vary the timing so the abort lands before, during and after the first poll.
            if (i % 2 == 1) std::this_thread::sleep_for(std::chrono::microseconds(50 * (i % 5)));
            h.abort();
        });
        std::optional<int> r = af::block_on(std::move(fut));
        t.join();
        EXPECT_EQ(r, std::nullopt);
        EXPECT_EQ(drops.count(), 1);
    }
}

TEST(abortable, value_set_from_another_thread_wins_when_not_aborted) {
    af::test::manual_future<int> m;
    auto [fut, handle] = af::abortable(m.get());
    std::thread t([&m] { m.set(9); });
    auto r = af::block_on(std::move(fut));
    t.join();
    EXPECT_EQ(r, std::optional<int>(9));
    EXPECT_FALSE(handle.is_aborted());
}

}  // namespace

}  // namespace future_abortable_test
