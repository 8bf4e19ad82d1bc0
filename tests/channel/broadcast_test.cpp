// SPDX-License-Identifier: MIT
// af::channel::broadcast: every receiver sees every value, lagging receivers are told how many
// they missed, sender drop ends receivers after draining, and a threaded fan-out.
#include "af/channel/broadcast.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "af/executor/block_on.hpp"
#include "af/test/wake_counter.hpp"

namespace {

namespace ch = af::channel;

static_assert(af::future<ch::broadcast_receiver<int>::recv_future>);

TEST(broadcast, every_receiver_sees_every_value_sent_after_it_subscribed) {
    auto [tx, rx1] = ch::broadcast<std::string>(4);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(tx.send("a"));
    auto rx2 = tx.subscribe();
    EXPECT_TRUE(tx.send("b"));
    EXPECT_EQ(rx1.poll_recv(cx).value(), "a");
    EXPECT_EQ(rx1.poll_recv(cx).value(), "b");
    EXPECT_EQ(rx2.poll_recv(cx).value(), "b");  // subscribed after "a"
    EXPECT_TRUE(rx1.poll_recv(cx).is_pending());
    EXPECT_TRUE(rx2.poll_recv(cx).is_pending());
}

TEST(broadcast, a_send_wakes_every_waiting_receiver) {
    auto [tx, rx1] = ch::broadcast<int>(2);
    auto rx2 = tx.subscribe();
    af::test::wake_counter w1, w2;
    af::context c1(w1.waker()), c2(w2.waker());
    EXPECT_TRUE(rx1.poll_recv(c1).is_pending());
    EXPECT_TRUE(rx2.poll_recv(c2).is_pending());
    EXPECT_TRUE(tx.send(1));
    EXPECT_EQ(w1.count(), 1u);
    EXPECT_EQ(w2.count(), 1u);
    EXPECT_EQ(rx1.poll_recv(c1).value(), 1);
    EXPECT_EQ(rx2.poll_recv(c2).value(), 1);
}

TEST(broadcast, lagging_receiver_gets_the_number_missed_then_continues_from_the_oldest_retained) {
    auto [tx, rx] = ch::broadcast<int>(2);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(tx.send(i));
    try {
        (void)rx.poll_recv(cx);
        FAIL() << "expected lagged";
    } catch (const ch::recv_error& e) {
        EXPECT_TRUE(e.is_lagged());
        EXPECT_EQ(e.missed(), 3u);
    }
    EXPECT_EQ(rx.poll_recv(cx).value(), 3);
    EXPECT_EQ(rx.poll_recv(cx).value(), 4);
    EXPECT_TRUE(rx.poll_recv(cx).is_pending());
}

TEST(broadcast, receivers_drain_then_end_when_all_senders_drop) {
    auto [tx, rx] = ch::broadcast<int>(4);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto rx2 = tx.subscribe();
    EXPECT_TRUE(rx2.poll_recv(cx).is_pending());
    EXPECT_TRUE(tx.send(1));
    {
        auto tx2 = tx;
        auto gone = std::move(tx);
    }
    EXPECT_EQ(rx.poll_recv(cx).value(), 1);
    EXPECT_EQ(rx.poll_recv(cx).value(), std::nullopt);
    EXPECT_EQ(rx2.poll_recv(cx).value(), 1);
    EXPECT_EQ(rx2.poll_recv(cx).value(), std::nullopt);
}

TEST(broadcast, dropping_the_last_sender_wakes_waiting_receivers) {
    auto [tx, rx] = ch::broadcast<int>(1);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(rx.poll_recv(cx).is_pending());
    { auto gone = std::move(tx); }
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(rx.poll_recv(cx).value(), std::nullopt);
}

TEST(broadcast, send_without_receivers_fails_and_hands_the_value_back) {
    auto [tx, rx] = ch::broadcast<int>(1);
    EXPECT_EQ(tx.receiver_count(), 1u);
    { auto gone = std::move(rx); }
    EXPECT_EQ(tx.receiver_count(), 0u);
    auto r = tx.send(3);
    EXPECT_TRUE(r.is_closed());
    EXPECT_EQ(r.take_value(), 3);
}

TEST(broadcast, dropping_a_waiting_receiver_unlinks_it_and_releases_its_waker) {
    auto [tx, rx] = ch::broadcast<int>(1);
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
    auto [tx, rx] = ch::broadcast<int>(2);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    {
        auto f = rx.recv();
        EXPECT_TRUE(f.poll(cx).is_pending());
    }
    EXPECT_TRUE(tx.send(8));
    auto f = rx.recv();
    EXPECT_EQ(f.poll(cx).value(), 8);
}

// Three receiver threads follow one sender through a small ring: each sees an increasing
// sequence, and what it received plus what it was told it missed is exactly what was sent.
TEST(broadcast, threaded_receivers_account_for_every_value_as_received_or_missed) {
    constexpr int n = 10000;
    auto [tx, rx] = ch::broadcast<int>(16);
    std::vector<ch::broadcast_receiver<int>> rxs;
    rxs.push_back(std::move(rx));
    rxs.push_back(tx.subscribe());
    rxs.push_back(tx.subscribe());
    std::vector<std::thread> ts;
    for (auto& r : rxs) {
        ts.emplace_back([&r] {
            std::uint64_t got = 0, missed = 0;
            int last = -1;
            for (;;) {
                try {
                    std::optional<int> v = af::block_on(r.recv());
                    if (!v) break;
                    EXPECT_GT(*v, last);
                    last = *v;
                    ++got;
                } catch (const ch::recv_error& e) {
                    ASSERT_TRUE(e.is_lagged());
                    missed += e.missed();
                }
            }
            EXPECT_EQ(got + missed, static_cast<std::uint64_t>(n));
        });
    }
    for (int i = 0; i < n; ++i) EXPECT_TRUE(tx.send(i));
    { auto gone = std::move(tx); }
    for (auto& t : ts) t.join();
}

}  // namespace
