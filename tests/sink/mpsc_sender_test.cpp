// SPDX-License-Identifier: MIT
// af::channel::mpsc::sender as an af::sink: a slot per ready poll, FIFO with other senders,
// errors once the receiver is gone, close ending the receiver, and a threaded producer.
#include "af/channel/mpsc.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "af/executor/block_on.hpp"
#include "af/sink/close.hpp"
#include "af/sink/send.hpp"
#include "af/sink/send_all.hpp"
#include "af/sink/sink.hpp"
#include "af/stream/collect.hpp"
#include "af/stream/iter.hpp"
#include "af/test/wake_counter.hpp"

namespace sink_mpsc_sender_test {

namespace {

using af::channel::mpsc::bounded;
using af::channel::mpsc::sender;

static_assert(af::sink<sender<int>, int>);
static_assert(af::sink<sender<std::string>, std::string>);
static_assert(af::sink<sender<std::string>, const char*>);

TEST(mpsc_sender_sink, poll_ready_is_pending_until_the_receiver_frees_a_slot) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto [tx, rx] = bounded<int>(1);
    af::block_on(af::sinks::send(tx, 1));  // fills the only slot
    auto f = af::sinks::send(tx, 2);
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_EQ(wc.count(), 0u);
    af::test::wake_counter rwc;
    af::context rcx(rwc.waker());
    EXPECT_EQ(*rx.poll_next(rcx).value(), 1);
    EXPECT_EQ(wc.count(), 1u);  // the freed slot went to the waiting sink
    EXPECT_TRUE(f.poll(cx).is_ready());
    EXPECT_EQ(*rx.poll_next(rcx).value(), 2);
}

TEST(mpsc_sender_sink, a_ready_poll_holds_the_slot_until_start_send) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto [tx, rx] = bounded<int>(1);
    ASSERT_TRUE(tx.poll_ready(cx).is_ready());
    ASSERT_TRUE(tx.poll_ready(cx).is_ready());  // still the same slot, not a second one
    auto other = tx;                            // a copy starts without a slot
    EXPECT_TRUE(other.try_send(7).is_full());
    EXPECT_TRUE(other.poll_ready(cx).is_pending());
    tx.start_send(5);
    af::test::wake_counter rwc;
    af::context rcx(rwc.waker());
    EXPECT_EQ(*rx.poll_next(rcx).value(), 5);
    EXPECT_GE(wc.count(), 1u);
    EXPECT_TRUE(other.poll_ready(cx).is_ready());
    other.start_send(6);
    EXPECT_EQ(*rx.poll_next(rcx).value(), 6);
}

TEST(mpsc_sender_sink, a_moved_sender_keeps_its_slot) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto [tx, rx] = bounded<int>(1);
    ASSERT_TRUE(tx.poll_ready(cx).is_ready());
    sender<int> moved = std::move(tx);
    moved.start_send(3);
    af::context rcx(wc.waker());
    EXPECT_EQ(*rx.poll_next(rcx).value(), 3);
}

TEST(mpsc_sender_sink, a_dropped_receiver_fails_ready_polls_and_wakes_a_waiting_one) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto [tx, rx] = bounded<int>(1);
    ASSERT_TRUE(tx.try_send(1));
    auto rx_owner = std::make_unique<af::channel::mpsc::receiver<int>>(std::move(rx));
    EXPECT_TRUE(tx.poll_ready(cx).is_pending());
    rx_owner.reset();
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_THROW((void)tx.poll_ready(cx), af::closed_error);
    EXPECT_THROW(af::block_on(af::sinks::send(tx, 2)), af::closed_error);
}

TEST(mpsc_sender_sink, a_closed_receiver_fails_send_but_keeps_what_was_queued) {
    auto [tx, rx] = bounded<int>(4);
    af::block_on(af::sinks::send(tx, 1));
    rx.close();
    EXPECT_THROW(af::block_on(af::sinks::send(tx, 2)), af::closed_error);
    EXPECT_EQ(af::block_on(rx.recv()), std::optional<int>(1));
    EXPECT_EQ(af::block_on(rx.recv()), std::nullopt);
}

TEST(mpsc_sender_sink, close_ends_the_receiver_when_it_was_the_last_sender) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto [tx, rx] = bounded<int>(4);
    auto second = tx;
    af::block_on(af::sinks::send(tx, 1));
    af::block_on(af::sinks::close(tx));
    EXPECT_THROW((void)tx.poll_ready(cx), af::closed_error);
    EXPECT_EQ(*rx.poll_next(cx).value(), 1);
    EXPECT_TRUE(rx.poll_next(cx).is_pending());  // `second` still counts
    { auto gone = std::move(second); }
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(rx.poll_next(cx).value(), std::nullopt);
}

TEST(mpsc_sender_sink, a_closed_handle_is_not_counted_twice_when_destroyed) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto [tx, rx] = bounded<int>(4);
    auto keep = tx;
    {
        auto closing = std::move(tx);
        af::block_on(af::sinks::close(closing));
    }  // destroyed after close
    EXPECT_TRUE(rx.poll_next(cx).is_pending());  // `keep` is still a sender
    ASSERT_TRUE(keep.try_send(8));
    EXPECT_EQ(*rx.poll_next(cx).value(), 8);
}

TEST(mpsc_sender_sink, close_gives_a_held_slot_to_the_next_waiting_sender) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto [tx, rx] = bounded<int>(1);
    auto waiting = tx;
    ASSERT_TRUE(tx.poll_ready(cx).is_ready());
    EXPECT_TRUE(waiting.poll_ready(cx).is_pending());
    EXPECT_TRUE(af::sinks::close(tx).poll(cx).is_ready());
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(waiting.poll_ready(cx).is_ready());
}

TEST(mpsc_sender_sink, dropping_a_sender_that_waits_for_a_slot_leaves_the_line) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto [tx, rx] = bounded<int>(1);
    ASSERT_TRUE(tx.try_send(1));
    auto behind = tx;
    {
        auto first = tx;
        EXPECT_TRUE(first.poll_ready(cx).is_pending());
    }
    EXPECT_TRUE(behind.poll_ready(cx).is_pending());
    EXPECT_EQ(*rx.poll_next(cx).value(), 1);
    EXPECT_TRUE(behind.poll_ready(cx).is_ready());  // not stuck behind the dropped one
}

TEST(mpsc_sender_sink, send_all_from_another_thread_delivers_every_item_in_order) {
    auto [tx, rx] = bounded<int>(4);
    std::vector<int> input(2000);
    for (int i = 0; i < 2000; ++i) input[static_cast<std::size_t>(i)] = i;
    std::thread producer([tx = std::move(tx), &input]() mutable {
        af::block_on(af::sinks::send_all(tx, af::streams::iter(input)));
        af::block_on(af::sinks::close(tx));
    });
    std::vector<int> got = af::block_on(std::move(rx) | af::streams::collect());
    producer.join();
    EXPECT_EQ(got, input);
}

}  // namespace

}  // namespace sink_mpsc_sender_test
