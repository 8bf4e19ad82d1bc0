// SPDX-License-Identifier: MIT
// af::channel::broadcast: every receiver sees every value, lag is a recv_result (from recv,
// try_recv and as a stream item), sender drop ends receivers after draining, send counts its
// receivers, len/resubscribe, and a threaded fan-out.
#include "af/channel/broadcast.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "af/core/error.hpp"
#include "af/executor/block_on.hpp"
#include "af/stream/stream.hpp"
#include "af/test/wake_counter.hpp"

namespace channel_broadcast_test {

namespace {

namespace ch = af::channel;
namespace bc = af::channel::broadcast;

static_assert(af::future<bc::receiver<int>::recv_future>);
static_assert(std::is_same_v<af::output_of<bc::receiver<int>::recv_future>, ch::recv_result<int>>);
static_assert(af::stream<bc::receiver<int>>);
static_assert(std::is_same_v<af::item_of<bc::receiver<int>>, ch::recv_result<int>>);
static_assert(!std::is_copy_constructible_v<bc::receiver<int>>);
static_assert(std::is_copy_constructible_v<bc::sender<int>>);

// The value of a ready poll that received one.
template <class T>
T got(af::poll<ch::recv_result<T>> p) {
    EXPECT_TRUE(p.is_ready());
    EXPECT_TRUE(p.value().is_received()) << static_cast<int>(p.value().status());
    return p.value().take_value();
}

TEST(broadcast, every_receiver_sees_every_value_sent_after_it_subscribed) {
    auto [tx, rx1] = bc::channel<std::string>(4);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(tx.send("a"));
    auto rx2 = tx.subscribe();
    EXPECT_TRUE(tx.send("b"));
    EXPECT_EQ(got(rx1.poll_recv(cx)), "a");
    EXPECT_EQ(got(rx1.poll_recv(cx)), "b");
    EXPECT_EQ(got(rx2.poll_recv(cx)), "b");  // subscribed after "a"
    EXPECT_TRUE(rx1.poll_recv(cx).is_pending());
    EXPECT_TRUE(rx2.poll_recv(cx).is_pending());
}

TEST(broadcast, a_send_wakes_every_waiting_receiver) {
    auto [tx, rx1] = bc::channel<int>(2);
    auto rx2 = tx.subscribe();
    af::test::wake_counter w1, w2;
    af::context c1(w1.waker()), c2(w2.waker());
    EXPECT_TRUE(rx1.poll_recv(c1).is_pending());
    EXPECT_TRUE(rx2.poll_recv(c2).is_pending());
    EXPECT_TRUE(tx.send(1));
    EXPECT_EQ(w1.count(), 1u);
    EXPECT_EQ(w2.count(), 1u);
    EXPECT_EQ(got(rx1.poll_recv(c1)), 1);
    EXPECT_EQ(got(rx2.poll_recv(c2)), 1);
}

TEST(broadcast, send_says_how_many_receivers_will_see_the_value) {
    auto [tx, rx1] = bc::channel<int>(2);
    EXPECT_EQ(tx.send(1).receiver_count(), 1u);
    auto rx2 = tx.subscribe();
    auto rx3 = rx2.resubscribe();
    EXPECT_EQ(tx.send(2).receiver_count(), 3u);
    { auto gone = std::move(rx3); }
    ch::send_result<int> r = tx.send(3);
    EXPECT_TRUE(r.is_sent());
    EXPECT_EQ(r.receiver_count(), 2u);
}

TEST(broadcast, lag_is_a_value_with_the_number_missed_then_the_oldest_retained_follows) {
    auto [tx, rx] = bc::channel<int>(2);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(tx.send(i));
    af::poll<ch::recv_result<int>> p = rx.poll_recv(cx);  // no throw: lag is an outcome
    ASSERT_TRUE(p.is_ready());
    EXPECT_TRUE(p.value().is_lagged());
    EXPECT_EQ(p.value().missed(), 3u);
    EXPECT_EQ(got(rx.poll_recv(cx)), 3);
    EXPECT_EQ(got(rx.poll_recv(cx)), 4);
    EXPECT_TRUE(rx.poll_recv(cx).is_pending());
}

TEST(broadcast, awaiting_recv_gives_the_lag_then_the_values) {
    auto [tx, rx] = bc::channel<int>(1);
    EXPECT_TRUE(tx.send(1));
    EXPECT_TRUE(tx.send(2));
    ch::recv_result<int> lag = af::block_on(rx.recv());
    EXPECT_TRUE(lag.is_lagged());
    EXPECT_EQ(lag.missed(), 1u);
    EXPECT_THROW((void)lag.take_value(), std::logic_error);  // an outcome to check, not a value
    ch::recv_result<int> v = af::block_on(rx.recv());
    EXPECT_EQ(v.take_value(), 2);
}

TEST(broadcast, try_recv_reports_empty_received_lagged_and_closed) {
    auto [tx, rx] = bc::channel<int>(2);
    EXPECT_TRUE(rx.try_recv().is_empty());
    EXPECT_TRUE(tx.send(1));
    EXPECT_EQ(rx.try_recv().take_value(), 1);
    for (int i = 2; i < 6; ++i) EXPECT_TRUE(tx.send(i));
    ch::recv_result<int> lag = rx.try_recv();
    EXPECT_TRUE(lag.is_lagged());
    EXPECT_EQ(lag.missed(), 2u);
    EXPECT_EQ(rx.try_recv().take_value(), 4);
    { auto gone = std::move(tx); }
    EXPECT_EQ(rx.try_recv().take_value(), 5);  // drained before the end
    EXPECT_TRUE(rx.try_recv().is_closed());
}

TEST(broadcast, the_receiver_is_a_stream_with_lag_as_an_item_that_ends_when_closed) {
    auto [tx, rx] = bc::channel<int>(2);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(rx.poll_next(cx).is_pending());
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(tx.send(i));
    EXPECT_EQ(wc.count(), 1u);
    af::poll<std::optional<ch::recv_result<int>>> a = rx.poll_next(cx);
    ASSERT_TRUE(a.is_ready() && a.value().has_value());
    EXPECT_TRUE(a.value()->is_lagged());
    EXPECT_EQ(a.value()->missed(), 1u);
    af::poll<std::optional<ch::recv_result<int>>> b = rx.poll_next(cx);
    ASSERT_TRUE(b.is_ready() && b.value().has_value());
    EXPECT_EQ(b.value()->take_value(), 1);
    { auto gone = std::move(tx); }
    af::poll<std::optional<ch::recv_result<int>>> c = rx.poll_next(cx);
    ASSERT_TRUE(c.is_ready() && c.value().has_value());
    EXPECT_EQ(c.value()->take_value(), 2);
    af::poll<std::optional<ch::recv_result<int>>> end = rx.poll_next(cx);
    ASSERT_TRUE(end.is_ready());
    EXPECT_FALSE(end.value().has_value());
    EXPECT_FALSE(rx.poll_next(cx).value().has_value());  // stays ended
}

TEST(broadcast, receivers_drain_then_are_closed_when_all_senders_drop) {
    auto [tx, rx] = bc::channel<int>(4);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto rx2 = tx.subscribe();
    EXPECT_TRUE(rx2.poll_recv(cx).is_pending());
    EXPECT_TRUE(tx.send(1));
    {
        auto tx2 = tx;
        auto gone = std::move(tx);
    }
    EXPECT_EQ(got(rx.poll_recv(cx)), 1);
    EXPECT_TRUE(rx.poll_recv(cx).value().is_closed());
    EXPECT_EQ(got(rx2.poll_recv(cx)), 1);
    EXPECT_TRUE(rx2.poll_recv(cx).value().is_closed());
}

TEST(broadcast, dropping_the_last_sender_wakes_waiting_receivers) {
    auto [tx, rx] = bc::channel<int>(1);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(rx.poll_recv(cx).is_pending());
    { auto gone = std::move(tx); }
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(rx.poll_recv(cx).value().is_closed());
}

TEST(broadcast, send_without_receivers_is_closed_and_hands_the_value_back) {
    auto [tx, rx] = bc::channel<int>(1);
    EXPECT_EQ(tx.receiver_count(), 1u);
    { auto gone = std::move(rx); }
    EXPECT_EQ(tx.receiver_count(), 0u);
    auto r = tx.send(3);
    EXPECT_TRUE(r.is_closed());
    EXPECT_EQ(r.receiver_count(), 0u);
    EXPECT_EQ(r.take_value(), 3);
}

TEST(broadcast, len_counts_the_retained_values_this_receiver_has_not_seen) {
    auto [tx, rx] = bc::channel<int>(3);
    EXPECT_EQ(rx.len(), 0u);
    EXPECT_TRUE(rx.is_empty());
    EXPECT_TRUE(tx.send(1));
    EXPECT_TRUE(tx.send(2));
    auto late = tx.subscribe();
    EXPECT_EQ(rx.len(), 2u);
    EXPECT_EQ(late.len(), 0u);
    for (int i = 3; i < 8; ++i) EXPECT_TRUE(tx.send(i));
    EXPECT_EQ(rx.len(), 3u);  // 7 unseen, 4 of them lost: the ring keeps 3
    EXPECT_EQ(late.len(), 3u);
    EXPECT_TRUE(rx.try_recv().is_lagged());
    EXPECT_EQ(rx.len(), 3u);
    EXPECT_EQ(rx.try_recv().take_value(), 5);
    EXPECT_EQ(rx.len(), 2u);
}

TEST(broadcast, resubscribe_starts_at_the_tail_not_at_the_cursor) {
    auto [tx, rx] = bc::channel<int>(4);
    EXPECT_TRUE(tx.send(1));
    auto again = rx.resubscribe();  // rx has not read 1; the new receiver never will
    EXPECT_TRUE(tx.send(2));
    EXPECT_EQ(rx.try_recv().take_value(), 1);
    EXPECT_EQ(again.try_recv().take_value(), 2);
    EXPECT_EQ(rx.try_recv().take_value(), 2);
    EXPECT_TRUE(again.try_recv().is_empty());
    EXPECT_EQ(tx.receiver_count(), 2u);
}

TEST(broadcast, dropping_a_waiting_receiver_unlinks_it_and_releases_its_waker) {
    auto [tx, rx] = bc::channel<int>(1);
    af::test::wake_counter wc;
    {
        auto rx2 = tx.subscribe();
        af::context cx(wc.waker());
        auto f = rx2.recv();
        EXPECT_TRUE(f.poll(cx).is_pending());
    }
    EXPECT_EQ(wc.clones_alive(), 0u);
    EXPECT_TRUE(tx.send(1));
    EXPECT_EQ(wc.count(), 0u);
}

TEST(broadcast, cancelled_recv_keeps_the_receivers_position) {
    auto [tx, rx] = bc::channel<int>(2);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    {
        auto f = rx.recv();
        EXPECT_TRUE(f.poll(cx).is_pending());
    }
    EXPECT_TRUE(tx.send(8));
    auto f = rx.recv();
    EXPECT_EQ(got(f.poll(cx)), 8);
}

TEST(broadcast, a_cancelled_recv_after_a_lag_keeps_the_lag_for_the_next_receive) {
    auto [tx, rx] = bc::channel<int>(1);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    {
        auto f = rx.recv();
        EXPECT_TRUE(f.poll(cx).is_pending());
    }
    EXPECT_TRUE(tx.send(1));
    EXPECT_TRUE(tx.send(2));
    auto f = rx.recv();
    af::poll<ch::recv_result<int>> p = f.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_TRUE(p.value().is_lagged());
    EXPECT_EQ(p.value().missed(), 1u);
}

// Three receiver threads follow one sender through a small ring: each sees an increasing
// sequence, and what it received plus what it was told it missed is exactly what was sent.
TEST(broadcast, threaded_receivers_account_for_every_value_as_received_or_missed) {
    constexpr int n = 10000;
    auto [tx, rx] = bc::channel<int>(16);
    std::vector<bc::receiver<int>> rxs;
    rxs.push_back(std::move(rx));
    rxs.push_back(tx.subscribe());
    rxs.push_back(rxs.back().resubscribe());
    std::vector<std::thread> ts;
    for (auto& r : rxs) {
        ts.emplace_back([&r] {
            std::uint64_t received = 0, missed = 0;
            int last = -1;
            for (;;) {
                ch::recv_result<int> v = af::block_on(r.recv());
                if (v.is_closed()) break;
                if (v.is_lagged()) {
                    missed += v.missed();
                    continue;
                }
                EXPECT_GT(*v, last);
                last = *v;
                ++received;
            }
            EXPECT_EQ(received + missed, static_cast<std::uint64_t>(n));
        });
    }
    for (int i = 0; i < n; ++i) EXPECT_TRUE(tx.send(i));
    { auto gone = std::move(tx); }
    for (auto& t : ts) t.join();
}

// The old names still compile, with a deprecation warning (silenced here).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static_assert(std::is_same_v<ch::broadcast_sender<int>, bc::sender<int>>);
static_assert(std::is_same_v<ch::broadcast_receiver<int>, bc::receiver<int>>);
static_assert(std::is_same_v<ch::recv_error, af::closed_error>);  // nothing throws the old type
#pragma GCC diagnostic pop

}  // namespace

}  // namespace channel_broadcast_test
