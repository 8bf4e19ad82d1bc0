// SPDX-License-Identifier: MIT
// af::channel::oneshot: value delivery, drop of either side observed by the other, closed(),
// and a cross-thread handoff.
#include "af/channel/oneshot.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/test/drop_counter.hpp"
#include "af/test/wake_counter.hpp"

namespace {

static_assert(af::future<af::channel::oneshot_receiver<int>>);
static_assert(af::future<af::channel::oneshot_sender<int>::closed_future>);

TEST(oneshot, receiver_is_pending_then_woken_then_ready_with_the_value) {
    auto [tx, rx] = af::channel::oneshot<std::string>();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(rx.poll(cx).is_pending());
    EXPECT_EQ(wc.count(), 0u);
    EXPECT_TRUE(tx.send("hi"));
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(rx.poll(cx).value(), "hi");
    EXPECT_EQ(wc.clones_alive(), 0u);
}

TEST(oneshot, value_sent_before_the_first_poll_is_ready_at_once) {
    auto [tx, rx] = af::channel::oneshot<int>();
    EXPECT_TRUE(tx.send(7));
    EXPECT_EQ(af::block_on(std::move(rx)), 7);
}

TEST(oneshot, dropping_the_sender_unsent_wakes_the_receiver_which_throws_closed) {
    auto [tx, rx] = af::channel::oneshot<int>();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(rx.poll(cx).is_pending());
    { auto gone = std::move(tx); }
    EXPECT_EQ(wc.count(), 1u);
    try {
        (void)rx.poll(cx);
        FAIL() << "expected recv_error";
    } catch (const af::channel::recv_error& e) {
        EXPECT_TRUE(e.is_closed());
        EXPECT_STREQ(e.what(), "channel closed");
    }
}

TEST(oneshot, send_to_a_dropped_receiver_hands_the_value_back) {
    auto [tx, rx] = af::channel::oneshot<std::unique_ptr<int>>();
    EXPECT_FALSE(tx.is_closed());
    { auto gone = std::move(rx); }
    EXPECT_TRUE(tx.is_closed());
    auto r = tx.send(std::make_unique<int>(5));
    EXPECT_FALSE(r);
    EXPECT_TRUE(r.is_closed());
    EXPECT_EQ(*r.take_value(), 5);
}

TEST(oneshot, closed_future_completes_when_the_receiver_drops) {
    auto [tx, rx] = af::channel::oneshot<int>();
    auto closed = tx.closed();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(closed.poll(cx).is_pending());
    EXPECT_TRUE(closed.poll(cx).is_pending());  // re-poll with the same waker does not re-clone
    EXPECT_EQ(wc.count(), 0u);
    { auto gone = std::move(rx); }
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(closed.poll(cx).is_ready());
}

TEST(oneshot, dropping_the_receiver_destroys_a_sent_but_unread_value) {
    af::test::drop_counter drops;
    auto [tx, rx] = af::channel::oneshot<af::test::drop_counter::guard>();
    EXPECT_TRUE(tx.send(drops.make()));
    EXPECT_EQ(drops.count(), 0);
    { auto gone = std::move(rx); }
    EXPECT_EQ(drops.count(), 1);
}

TEST(oneshot, try_recv_is_empty_then_has_the_value) {
    auto [tx, rx] = af::channel::oneshot<int>();
    EXPECT_EQ(rx.try_recv(), std::nullopt);
    EXPECT_TRUE(tx.send(3));
    EXPECT_EQ(rx.try_recv(), 3);
}

TEST(oneshot, try_recv_throws_once_the_sender_is_gone) {
    auto [tx, rx] = af::channel::oneshot<int>();
    { auto gone = std::move(tx); }
    EXPECT_THROW((void)rx.try_recv(), af::channel::recv_error);
}

TEST(oneshot, co_await_of_the_receiver_in_a_task_gets_the_value_from_another_thread) {
    for (int i = 0; i < 200; ++i) {
        auto [tx, rx] = af::channel::oneshot<int>();
        std::thread t([tx = std::move(tx), i]() mutable { EXPECT_TRUE(tx.send(i)); });
        auto consume = [](af::channel::oneshot_receiver<int> r) -> af::task<int> { co_return co_await std::move(r); };
        EXPECT_EQ(af::block_on(consume(std::move(rx))), i);
        t.join();
    }
}

TEST(oneshot, both_sides_dropped_concurrently_from_two_threads_is_clean) {
    for (int i = 0; i < 200; ++i) {
        auto [tx, rx] = af::channel::oneshot<std::string>();
        std::thread t([tx = std::move(tx)]() mutable { (void)tx.send("x"); });
        { auto gone = std::move(rx); }
        t.join();
    }
}

}  // namespace
