// SPDX-License-Identifier: MIT
// af::channel::mpsc: ordering, backpressure, FIFO waiting senders, permits, close/drop,
// cancellation of waiting sends and receives (hand-stepped and seeded random), and threads.
#include "af/channel/mpsc.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/test/drop_counter.hpp"
#include "af/test/wake_counter.hpp"
#if __has_include("af/stream/stream.hpp")
#include "af/stream/stream.hpp"
static_assert(af::stream<af::channel::mpsc::receiver<int>>);
#endif

namespace {

namespace mpsc = af::channel::mpsc;

static_assert(af::future<mpsc::send_future<int>>);
static_assert(af::future<mpsc::reserve_future<int>>);
static_assert(af::future<mpsc::receiver<int>::recv_future>);
static_assert(std::is_same_v<mpsc::receiver<int>::item, int>);
static_assert(std::is_copy_constructible_v<mpsc::sender<int>>);
static_assert(!std::is_copy_constructible_v<mpsc::receiver<int>>);

TEST(mpsc, unbounded_delivers_in_order_and_ends_after_the_last_sender_drops) {
    auto [tx, rx] = mpsc::unbounded<int>();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    {
        auto tx2 = tx;
        for (int i = 0; i < 3; ++i) EXPECT_TRUE(tx.try_send(i));
        auto s = tx2.send(3);
        EXPECT_TRUE(s.poll(cx).value());  // unbounded: ready at the first poll
        auto gone = std::move(tx);
    }
    for (int i = 0; i < 4; ++i) EXPECT_EQ(rx.poll_next(cx).value(), i);
    EXPECT_EQ(rx.poll_next(cx).value(), std::nullopt);
    EXPECT_EQ(rx.poll_next(cx).value(), std::nullopt);  // stays ended
}

TEST(mpsc, receiver_is_pending_until_a_send_wakes_it) {
    auto [tx, rx] = mpsc::bounded<int>(2);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(rx.poll_next(cx).is_pending());
    EXPECT_TRUE(tx.try_send(5));
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(rx.poll_next(cx).value(), 5);
}

TEST(mpsc, dropping_the_last_sender_wakes_a_waiting_receiver_which_ends) {
    auto [tx, rx] = mpsc::bounded<int>(2);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(rx.poll_next(cx).is_pending());
    auto tx2 = tx;
    { auto gone = std::move(tx); }
    EXPECT_EQ(wc.count(), 0u);  // tx2 is still alive
    { auto gone = std::move(tx2); }
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(rx.poll_next(cx).value(), std::nullopt);
}

TEST(mpsc, bounded_send_waits_for_capacity_and_is_woken_by_recv) {
    auto [tx, rx] = mpsc::bounded<int>(1);
    af::test::wake_counter ws, wr;
    af::context cs(ws.waker()), cr(wr.waker());
    EXPECT_TRUE(tx.try_send(1));
    auto s = tx.send(2);
    EXPECT_TRUE(s.poll(cs).is_pending());
    EXPECT_EQ(rx.poll_next(cr).value(), 1);
    EXPECT_EQ(ws.count(), 1u);
    EXPECT_TRUE(s.poll(cs).value());
    EXPECT_EQ(rx.poll_next(cr).value(), 2);
    EXPECT_EQ(ws.clones_alive(), 0u);
}

TEST(mpsc, try_send_reports_full_or_closed_and_hands_the_value_back) {
    auto [tx, rx] = mpsc::bounded<std::unique_ptr<int>>(1);
    EXPECT_TRUE(tx.try_send(std::make_unique<int>(1)));
    auto full = tx.try_send(std::make_unique<int>(2));
    EXPECT_TRUE(full.is_full());
    EXPECT_EQ(*full.take_value(), 2);
    rx.close();
    EXPECT_TRUE(tx.is_closed());
    auto closed = tx.try_send(std::make_unique<int>(3));
    EXPECT_TRUE(closed.is_closed());
    EXPECT_EQ(*closed.take_value(), 3);
}

TEST(mpsc, waiting_senders_are_served_first_come_first_served) {
    auto [tx, rx] = mpsc::bounded<int>(1);
    af::test::wake_counter w[3], wr;
    af::context cr(wr.waker());
    EXPECT_TRUE(tx.try_send(0));
    std::optional<mpsc::send_future<int>> s[3];
    for (int i = 0; i < 3; ++i) {
        s[i].emplace(tx.send(i + 1));
        af::context c(w[i].waker());
        EXPECT_TRUE(s[i]->poll(c).is_pending());
    }
    // try_send cannot jump the line even when a slot frees up for a waiter.
    EXPECT_EQ(rx.poll_next(cr).value(), 0);
    EXPECT_TRUE(tx.try_send(99).is_full());
    EXPECT_EQ(w[0].count(), 1u);
    EXPECT_EQ(w[1].count(), 0u);
    // Poll the later ones first: they stay pending, the slot is the first one's.
    for (int i : {2, 1}) {
        af::context c(w[i].waker());
        EXPECT_TRUE(s[i]->poll(c).is_pending());
    }
    for (int i = 0; i < 3; ++i) {
        af::context c(w[i].waker());
        EXPECT_EQ(w[i].count(), 1u);
        EXPECT_TRUE(s[i]->poll(c).value());
        EXPECT_EQ(rx.poll_next(cr).value(), i + 1);
        if (i + 1 < 3) {
            EXPECT_EQ(w[i + 1].count(), 1u);
        }
    }
}

TEST(mpsc, cancelled_waiting_send_gives_up_its_place_and_the_next_is_woken) {
    auto [tx, rx] = mpsc::bounded<int>(1);
    af::test::wake_counter w1, w2, wr;
    af::context c1(w1.waker()), c2(w2.waker()), cr(wr.waker());
    EXPECT_TRUE(tx.try_send(0));
    auto s1 = std::make_optional(tx.send(1));
    auto s2 = tx.send(2);
    EXPECT_TRUE(s1->poll(c1).is_pending());
    EXPECT_TRUE(s2.poll(c2).is_pending());
    s1.reset();  // cancelled while queued
    EXPECT_EQ(w1.clones_alive(), 0u);
    EXPECT_EQ(rx.poll_next(cr).value(), 0);
    EXPECT_EQ(w2.count(), 1u);
    EXPECT_TRUE(s2.poll(c2).value());
    EXPECT_EQ(rx.poll_next(cr).value(), 2);
}

TEST(mpsc, send_cancelled_after_being_granted_a_slot_passes_it_on_without_losing_a_wake) {
    auto [tx, rx] = mpsc::bounded<int>(1);
    af::test::wake_counter w1, w2, wr;
    af::context c1(w1.waker()), c2(w2.waker()), cr(wr.waker());
    EXPECT_TRUE(tx.try_send(0));
    auto s1 = std::make_optional(tx.send(1));
    auto s2 = tx.send(2);
    EXPECT_TRUE(s1->poll(c1).is_pending());
    EXPECT_TRUE(s2.poll(c2).is_pending());
    EXPECT_EQ(rx.poll_next(cr).value(), 0);
    EXPECT_EQ(w1.count(), 1u);  // s1 holds the slot now...
    EXPECT_EQ(w2.count(), 0u);
    s1.reset();                 // ...and is cancelled before using it
    EXPECT_EQ(w2.count(), 1u);
    EXPECT_TRUE(s2.poll(c2).value());
    EXPECT_EQ(rx.poll_next(cr).value(), 2);
    EXPECT_TRUE(rx.poll_next(cr).is_pending());  // 1 was never sent
    EXPECT_TRUE(tx.try_send(3));                 // and no slot leaked
}

TEST(mpsc, permit_holds_a_slot_and_dropping_it_returns_the_slot) {
    auto [tx, rx] = mpsc::bounded<int>(1);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto r = tx.reserve();
    auto p = r.poll(cx);
    ASSERT_TRUE(p.is_ready());
    ASSERT_TRUE(p.value().has_value());
    EXPECT_TRUE(tx.try_send(1).is_full());  // the permit holds the only slot
    p.value().reset();
    EXPECT_TRUE(tx.try_send(1));
    EXPECT_EQ(rx.poll_next(cx).value(), 1);
}

TEST(mpsc, permit_send_cannot_fail_and_a_waiting_reserve_is_woken_by_recv) {
    auto [tx, rx] = mpsc::bounded<int>(1);
    af::test::wake_counter wa, wb, wr;
    af::context ca(wa.waker()), cb(wb.waker()), cr(wr.waker());
    auto ra = tx.reserve();
    auto rb = tx.reserve();
    auto pa = ra.poll(ca);
    ASSERT_TRUE(pa.is_ready());
    EXPECT_TRUE(rb.poll(cb).is_pending());
    std::move(*pa.value()).send(7);
    EXPECT_EQ(wr.count(), 0u);
    EXPECT_EQ(rx.poll_next(cr).value(), 7);
    EXPECT_EQ(wb.count(), 1u);
    auto pb = rb.poll(cb);
    ASSERT_TRUE(pb.is_ready() && pb.value().has_value());
    pb.value()->send(8);
    EXPECT_EQ(rx.poll_next(cr).value(), 8);
}

TEST(mpsc, dropping_an_unused_permit_wakes_the_next_waiting_sender) {
    auto [tx, rx] = mpsc::bounded<int>(1);
    af::test::wake_counter wa, wb;
    af::context ca(wa.waker()), cb(wb.waker());
    auto ra = tx.reserve();
    auto pa = ra.poll(ca);
    auto s = tx.send(1);
    EXPECT_TRUE(s.poll(cb).is_pending());
    pa.value().reset();
    EXPECT_EQ(wb.count(), 1u);
    EXPECT_TRUE(s.poll(cb).value());
    EXPECT_EQ(rx.poll_next(ca).value(), 1);
}

TEST(mpsc, close_fails_waiting_and_new_sends_but_queued_values_drain_then_end) {
    auto [tx, rx] = mpsc::bounded<int>(1);
    af::test::wake_counter ws, wr;
    af::context cs(ws.waker()), cr(wr.waker());
    EXPECT_TRUE(tx.try_send(1));
    auto s = tx.send(2);
    EXPECT_TRUE(s.poll(cs).is_pending());
    rx.close();
    EXPECT_EQ(ws.count(), 1u);
    auto r = s.poll(cs).value();
    EXPECT_TRUE(r.is_closed());
    EXPECT_EQ(r.take_value(), 2);
    auto again = tx.send(3);
    auto r3 = again.poll(cs).value();
    EXPECT_TRUE(r3.is_closed());
    EXPECT_EQ(r3.take_value(), 3);
    auto res = tx.reserve();
    EXPECT_FALSE(res.poll(cs).value().has_value());
    EXPECT_EQ(rx.poll_next(cr).value(), 1);
    EXPECT_EQ(rx.poll_next(cr).value(), std::nullopt);  // tx is alive, but closed and drained
}

TEST(mpsc, close_waits_for_outstanding_permits_before_ending) {
    auto [tx, rx] = mpsc::bounded<int>(2);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto r = tx.reserve();
    auto p = r.poll(cx);
    rx.close();
    EXPECT_TRUE(rx.poll_next(cx).is_pending());
    p.value()->send(4);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(rx.poll_next(cx).value(), 4);
    EXPECT_EQ(rx.poll_next(cx).value(), std::nullopt);
}

TEST(mpsc, dropping_the_receiver_wakes_waiting_senders_and_destroys_queued_values) {
    af::test::drop_counter drops;
    auto [tx, rx] = mpsc::bounded<af::test::drop_counter::guard>(1);
    af::test::wake_counter ws;
    af::context cs(ws.waker());
    EXPECT_TRUE(tx.try_send(drops.make()));
    auto s = tx.send(drops.make());
    EXPECT_TRUE(s.poll(cs).is_pending());
    { auto gone = std::move(rx); }
    EXPECT_EQ(drops.count(), 1);  // the queued one
    EXPECT_EQ(ws.count(), 1u);
    auto r = s.poll(cs).value();
    EXPECT_TRUE(r.is_closed());
    EXPECT_EQ(drops.count(), 1);  // the unsent one came back
}

TEST(mpsc, permit_send_after_the_receiver_dropped_destroys_the_value) {
    af::test::drop_counter drops;
    auto [tx, rx] = mpsc::bounded<af::test::drop_counter::guard>(1);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto r = tx.reserve();
    auto p = r.poll(cx);
    { auto gone = std::move(rx); }
    p.value()->send(drops.make());
    EXPECT_EQ(drops.count(), 1);
}

TEST(mpsc, cancelled_recv_loses_no_value) {
    auto [tx, rx] = mpsc::bounded<int>(1);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    {
        auto f = rx.recv();
        EXPECT_TRUE(f.poll(cx).is_pending());
    }
    EXPECT_TRUE(tx.try_send(9));
    auto f = rx.recv();
    EXPECT_EQ(f.poll(cx).value(), 9);
}

TEST(mpsc, a_send_future_outliving_its_sender_keeps_the_stream_open) {
    auto [tx, rx] = mpsc::bounded<int>(1);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = tx.send(1);
    { auto gone = std::move(tx); }
    EXPECT_TRUE(rx.poll_next(cx).is_pending());
    EXPECT_TRUE(s.poll(cx).value());
    EXPECT_EQ(rx.poll_next(cx).value(), 1);
}

TEST(mpsc, four_producers_ten_thousand_each_through_bounded_16_sum_matches) {
    constexpr int producers = 4;
    constexpr int per = 10000;
    auto [tx, rx] = mpsc::bounded<long>(16);
    std::vector<std::thread> ts;
    for (int p = 0; p < producers; ++p) {
        ts.emplace_back([tx = tx, p]() {
            for (int i = 0; i < per; ++i) {
                auto r = af::block_on(tx.send(static_cast<long>(p) * per + i));
                ASSERT_TRUE(r);
            }
        });
    }
    { auto gone = std::move(tx); }
    auto consume = [](mpsc::receiver<long>& r) -> af::task<std::pair<long, long>> {
        long sum = 0, n = 0;
        while (std::optional<long> v = co_await r.recv()) {
            sum += *v;
            ++n;
        }
        co_return std::pair{sum, n};
    };
    auto [sum, n] = af::block_on(consume(rx));
    for (auto& t : ts) t.join();
    const long total = static_cast<long>(producers) * per;
    EXPECT_EQ(n, total);
    EXPECT_EQ(sum, total * (total - 1) / 2);
}

TEST(mpsc, values_from_one_producer_arrive_in_order_across_threads) {
    auto [tx, rx] = mpsc::bounded<int>(4);
    std::thread t([tx = std::move(tx)]() {
        for (int i = 0; i < 5000; ++i) {
            if (i % 2) {
                auto p = af::block_on(tx.reserve());
                p->send(i);
            } else {
                ASSERT_TRUE(af::block_on(tx.send(i)));
            }
        }
    });
    int expect = 0;
    while (std::optional<int> v = af::block_on(rx.recv())) EXPECT_EQ(*v, expect++);
    EXPECT_EQ(expect, 5000);
    t.join();
}

// A seeded random walk over sends, reserves, cancellations and receives, checked against the
// rules: every completed send is received exactly once, no cancelled one is, and at the end no
// waiter is stuck (each pending future that should make progress was woken).
TEST(mpsc, no_value_and_no_wake_up_lost_when_waiters_are_cancelled_at_random) {
    for (unsigned seed = 1; seed <= 50; ++seed) {
        std::mt19937 rng(seed);
        auto [tx, rx] = mpsc::bounded<int>(1 + seed % 3);
        struct waiter {
            std::unique_ptr<af::test::wake_counter> wc = std::make_unique<af::test::wake_counter>();
            std::optional<mpsc::send_future<int>> send;
            std::optional<mpsc::reserve_future<int>> reserve;
            int value = 0;
            std::size_t seen_wakes = 0;
        };
        std::vector<std::unique_ptr<waiter>> live;  // polled futures must not move
        std::multiset<int> sent, received;
        int next = 0;
        af::test::wake_counter wr;
        af::context cr(wr.waker());

        auto poll_one = [&](std::size_t i) -> bool {  // true when finished
            waiter& w = *live[i];
            af::context c(w.wc->waker());
            w.seen_wakes = w.wc->count();
            if (w.send) {
                auto p = w.send->poll(c);
                if (p.is_pending()) return false;
                EXPECT_TRUE(p.value());
                sent.insert(w.value);
                return true;
            }
            auto p = w.reserve->poll(c);
            if (p.is_pending()) return false;
            EXPECT_TRUE(p.value().has_value());
            if (rng() % 2) {
                p.value()->send(w.value);
                sent.insert(w.value);
            }  // else: the permit is dropped unused
            return true;
        };
        auto recv_one = [&] {
            auto p = rx.poll_next(cr);
            if (p.is_ready()) {
                EXPECT_TRUE(p.value().has_value());
                received.insert(*p.value());
            }
        };

        for (int step = 0; step < 400; ++step) {
            switch (rng() % 5) {
                case 0:
                case 1: {
                    auto w = std::make_unique<waiter>();
                    w->value = next++;
                    if (rng() % 3) w->send.emplace(tx.send(w->value));
                    else w->reserve.emplace(tx.reserve());
                    live.push_back(std::move(w));
                    if (poll_one(live.size() - 1)) live.pop_back();
                    break;
                }
                case 2:
                    if (!live.empty()) live.erase(live.begin() + static_cast<long>(rng() % live.size()));
                    break;
                case 3:
                    recv_one();
                    break;
                case 4:
                    for (std::size_t i = 0; i < live.size();) {
                        if (live[i]->wc->count() != live[i]->seen_wakes && poll_one(i)) live.erase(live.begin() + static_cast<long>(i));
                        else ++i;
                    }
                    break;
            }
        }
        // Drain: keep receiving and re-polling woken waiters. Every live waiter must finish,
        // so each must be woken at some point (a never-woken pending waiter is a lost wake-up).
        for (int round = 0; round < 10000 && !live.empty(); ++round) {
            recv_one();
            for (std::size_t i = 0; i < live.size();) {
                if (live[i]->wc->count() != live[i]->seen_wakes && poll_one(i)) live.erase(live.begin() + static_cast<long>(i));
                else ++i;
            }
        }
        EXPECT_TRUE(live.empty()) << "seed " << seed << ": a waiting sender was never woken";
        for (;;) {
            auto p = rx.poll_next(cr);
            if (p.is_pending()) break;
            received.insert(*p.value());
        }
        EXPECT_EQ(sent, received) << "seed " << seed;
        // No slot leaked: the whole capacity is free again.
        for (std::size_t i = 0; i < 1 + seed % 3; ++i) EXPECT_TRUE(tx.try_send(-1)) << "seed " << seed;
    }
}

}  // namespace
