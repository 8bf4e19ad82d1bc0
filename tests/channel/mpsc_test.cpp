// SPDX-License-Identifier: MIT
// af::channel::mpsc: ordering, backpressure, FIFO waiting senders, permits, close/drop,
// cancellation of waiting sends and receives (hand-stepped and seeded random), and threads.
#include "af/channel/mpsc.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "af/rt/spawn_blocking.hpp"
#include "af/test/drop_counter.hpp"
#include "af/test/wake_counter.hpp"
#include "channel/throwing_move.hpp"
#if __has_include("af/stream/stream.hpp")
#include "af/stream/stream.hpp"
static_assert(af::stream<af::channel::mpsc::receiver<int>>);
#endif

namespace channel_mpsc_test {

namespace {

namespace mpsc = af::channel::mpsc;

static_assert(af::future<mpsc::send_future<int>>);
static_assert(af::future<mpsc::reserve_future<int>>);
static_assert(af::future<mpsc::receiver<int>::recv_future>);
static_assert(af::future<mpsc::receiver<int>::recv_many_future>);
static_assert(std::is_same_v<af::output_of<mpsc::receiver<int>::recv_many_future>, std::size_t>);
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

// A full channel of capacity 1 (holding 0) and two sends queued behind it, s1 first.
struct two_waiting_sends {
    std::pair<mpsc::sender<int>, mpsc::receiver<int>> ch = mpsc::bounded<int>(1);
    mpsc::sender<int>& tx = ch.first;
    mpsc::receiver<int>& rx = ch.second;
    af::test::wake_counter w1, w2, wr;
    af::context c1{w1.waker()}, c2{w2.waker()}, cr{wr.waker()};
    std::optional<mpsc::send_future<int>> s1;
    std::optional<mpsc::send_future<int>> s2;

    two_waiting_sends() {
        EXPECT_TRUE(tx.try_send(0));
        s1.emplace(tx.send(1));
        s2.emplace(tx.send(2));
        EXPECT_TRUE(s1->poll(c1).is_pending());
        EXPECT_TRUE(s2->poll(c2).is_pending());
    }
};

TEST(mpsc, cancelled_waiting_send_gives_up_its_place_and_the_next_is_woken) {
    two_waiting_sends t;
    auto& [ch, tx, rx, w1, w2, wr, c1, c2, cr, s1, s2] = t;
    s1.reset();  // cancelled while queued
    EXPECT_EQ(w1.clones_alive(), 0u);
    EXPECT_EQ(rx.poll_next(cr).value(), 0);
    EXPECT_EQ(w2.count(), 1u);
    EXPECT_TRUE(s2->poll(c2).value());
    EXPECT_EQ(rx.poll_next(cr).value(), 2);
}

TEST(mpsc, send_cancelled_after_being_granted_a_slot_passes_it_on_without_losing_a_wake) {
    two_waiting_sends t;
    auto& [ch, tx, rx, w1, w2, wr, c1, c2, cr, s1, s2] = t;
    EXPECT_EQ(rx.poll_next(cr).value(), 0);
    EXPECT_EQ(w1.count(), 1u);  // s1 holds the slot now...
    EXPECT_EQ(w2.count(), 0u);
    s1.reset();                 // ...and is cancelled before using it
    EXPECT_EQ(w2.count(), 1u);
    EXPECT_TRUE(s2->poll(c2).value());
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

// ---------------------------------------------------------------------------------------------
// The lock-free queue and the atomic capacity (ADR 0009): block boundaries, reclamation, drops,
// throwing moves, and threads racing sends, closes, permits and the last drops.


TEST(mpsc, values_cross_block_boundaries_in_order_with_every_interleaving_of_sends_and_receives) {
    auto [tx, rx] = mpsc::unbounded<int>();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    int sent = 0, received = 0;
    // Bursts of 1..100 sends then 1..100 receives: the reader crosses blocks behind the writer,
    // catches up with it exactly at a block's end, and waits on a block not linked yet.
    for (int burst = 1; burst <= 100; ++burst) {
        for (int i = 0; i < burst; ++i) ASSERT_TRUE(tx.try_send(sent++).is_sent());
        for (int i = 0; i < (burst * 7) % 101 && received < sent; ++i) ASSERT_EQ(rx.poll_next(cx).value(), received++);
    }
    while (received < sent) ASSERT_EQ(rx.poll_next(cx).value(), received++);
    EXPECT_TRUE(rx.poll_next(cx).is_pending());
    { auto gone = std::move(tx); }
    EXPECT_EQ(rx.poll_next(cx).value(), std::nullopt);
}

TEST(mpsc, unbounded_channel_grows_and_gives_its_blocks_back_as_they_are_read) {
    // Run under ASan (LeakSanitizer): every block is freed, recycled or freed with the channel.
    auto [tx, rx] = mpsc::unbounded<std::string>();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    for (int round = 0; round < 20; ++round) {
        const int n = 1 + round * 157;  // ~100 blocks at the largest round
        for (int i = 0; i < n; ++i) ASSERT_TRUE(tx.try_send(std::to_string(i) + std::string(20, 'x')).is_sent());
        for (int i = 0; i < n; ++i) ASSERT_EQ(rx.poll_next(cx).value(), std::to_string(i) + std::string(20, 'x'));
        ASSERT_TRUE(rx.poll_next(cx).is_pending());
    }
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(tx.try_send("left " + std::to_string(i)).is_sent());  // freed with the channel
}

TEST(mpsc, dropping_a_channel_with_queued_values_destroys_each_once_whichever_side_goes_last) {
    for (bool receiver_last : {false, true}) {
        af::test::drop_counter drops;
        {
            auto [tx, rx] = mpsc::unbounded<af::test::drop_counter::guard>();
            af::test::wake_counter wc;
            af::context cx(wc.waker());
            for (int i = 0; i < 100; ++i) ASSERT_TRUE(tx.try_send(drops.make()).is_sent());  // four blocks
            for (int i = 0; i < 40; ++i) ASSERT_TRUE(rx.poll_next(cx).value().has_value());   // read into the second
            EXPECT_EQ(drops.count(), 40);
            if (receiver_last) {
                { auto gone = std::move(tx); }
                EXPECT_EQ(drops.count(), 40);  // the receiver can still read them
            } else {
                { auto gone = std::move(rx); }
                EXPECT_EQ(drops.count(), 100);  // destroyed with the receiver, not later
                auto r = tx.try_send(drops.make());
                EXPECT_TRUE(r.is_closed());
                EXPECT_EQ(drops.count(), 100);  // handed back, not destroyed yet
            }
        }
        EXPECT_EQ(drops.count(), receiver_last ? 100 : 101);
    }
}

TEST(mpsc, a_send_whose_move_throws_skips_its_slot_and_gives_the_slot_back) {
    auto [tx, rx] = mpsc::bounded<throwing_move>(2);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(tx.try_send(throwing_move(1)).is_sent());
    {
        auto bad = tx.reserve();
        auto p = bad.poll(cx);
        ASSERT_TRUE(p.is_ready() && p.value().has_value());
        EXPECT_THROW(p.value()->send(throwing_move(2, true)), std::runtime_error);
    }
    EXPECT_TRUE(tx.try_send(throwing_move(3)).is_full());  // the skipped slot is not read yet
    EXPECT_EQ(rx.poll_next(cx).value()->v, 1);
    EXPECT_TRUE(tx.try_send(throwing_move(4)).is_sent());
    EXPECT_EQ(rx.poll_next(cx).value()->v, 4);  // the skipped slot is passed over and freed
    EXPECT_TRUE(tx.try_send(throwing_move(5)).is_sent());
    EXPECT_TRUE(tx.try_send(throwing_move(6)).is_sent());
    EXPECT_TRUE(tx.try_send(throwing_move(7)).is_full());
    { auto gone = std::move(tx); }  // the failed permit did not keep the stream open
    EXPECT_EQ(rx.poll_next(cx).value()->v, 5);
    EXPECT_EQ(rx.poll_next(cx).value()->v, 6);
    EXPECT_FALSE(rx.poll_next(cx).value().has_value());
}

TEST(mpsc, a_freed_slot_goes_to_the_waiting_sender_not_to_a_newcomer_and_follows_cancellations) {
    auto [tx, rx] = mpsc::bounded<int>(1);
    af::test::wake_counter wr, wa, wb, wc2;
    af::context cr(wr.waker()), ca(wa.waker()), cb(wb.waker()), cc(wc2.waker());
    ASSERT_TRUE(tx.try_send(0).is_sent());
    auto a = std::make_unique<mpsc::send_future<int>>(tx.send(1));
    auto b = std::make_unique<mpsc::reserve_future<int>>(tx.reserve());
    mpsc::send_future<int> c = tx.send(3);
    EXPECT_TRUE(a->poll(ca).is_pending());
    EXPECT_TRUE(b->poll(cb).is_pending());
    EXPECT_TRUE(c.poll(cc).is_pending());
    EXPECT_EQ(rx.poll_next(cr).value(), 0);  // the slot goes to a
    EXPECT_EQ(wa.count(), 1u);
    EXPECT_TRUE(tx.try_send(9).is_full()) << "a newcomer took the slot granted to a waiter";
    a.reset();  // a is cancelled holding the slot: it passes to b
    EXPECT_EQ(wb.count(), 1u);
    EXPECT_EQ(wc2.count(), 0u);
    b.reset();  // and from b to c
    EXPECT_EQ(wc2.count(), 1u);
    EXPECT_TRUE(tx.try_send(9).is_full());
    EXPECT_TRUE(c.poll(cc).value().is_sent());
    EXPECT_EQ(rx.poll_next(cr).value(), 3);
    EXPECT_TRUE(tx.try_send(4).is_sent());  // the line is empty again: the fast path works
    EXPECT_EQ(rx.poll_next(cr).value(), 4);
}

// Several producer threads, each sending its own increasing sequence with send, try_send and
// reserve; the receiver checks each producer's order and count. Bounded(8) makes producers
// wait in line and hand slots over constantly; unbounded crosses many blocks.
void run_producers_across_threads(bool unbounded) {
    constexpr int producers = 4;
    constexpr int per = 5000;
    auto ch = unbounded ? mpsc::unbounded<std::pair<int, int>>() : mpsc::bounded<std::pair<int, int>>(8);
    std::vector<std::thread> ts;
    for (int p = 0; p < producers; ++p) {
        ts.emplace_back([tx = ch.first, p]() {
            for (int i = 0; i < per; ++i) {
                std::pair<int, int> v{p, i};
                switch (i % 3) {
                case 0:
                    ASSERT_TRUE(af::block_on(tx.send(v)).is_sent());
                    break;
                case 1: {
                    auto permit = af::block_on(tx.reserve());
                    ASSERT_TRUE(permit.has_value());
                    permit->send(v);
                    break;
                }
                default:
                    for (;;) {
                        auto r = tx.try_send(v);
                        if (r.is_sent()) break;
                        ASSERT_TRUE(r.is_full());
                        std::this_thread::yield();
                    }
                }
            }
        });
    }
    { auto gone = std::move(ch.first); }
    std::vector<int> next(producers, 0);
    while (std::optional<std::pair<int, int>> v = af::block_on(ch.second.recv())) {
        ASSERT_EQ(v->second, next[static_cast<std::size_t>(v->first)]) << "producer " << v->first << " out of order";
        ++next[static_cast<std::size_t>(v->first)];
    }
    for (auto& t : ts) t.join();
    for (int p = 0; p < producers; ++p) EXPECT_EQ(next[static_cast<std::size_t>(p)], per) << "producer " << p;
}

TEST(mpsc, many_producer_threads_bounded_keep_each_producers_order_and_count) { run_producers_across_threads(false); }
TEST(mpsc, many_producer_threads_unbounded_keep_each_producers_order_and_count) { run_producers_across_threads(true); }

// close() races sends on other threads: every send that reported success is received exactly
// once, every other one got its value back as closed, and the stream then ends.
TEST(mpsc, close_racing_sends_on_other_threads_loses_and_duplicates_nothing) {
    for (int round = 0; round < 20; ++round) {
        constexpr int producers = 3;
        auto [tx, rx] = mpsc::bounded<int>(4);
        std::vector<std::atomic<int>> sent(producers);
        std::vector<std::thread> ts;
        for (int p = 0; p < producers; ++p) {
            ts.emplace_back([tx = tx, p, &sent]() {
                for (int i = 0, attempt = 0;; ++attempt) {
                    int v = p * 1000000 + i;
                    auto r = (attempt % 2) ? af::block_on(tx.send(v)) : tx.try_send(v);
                    if (r.is_closed()) {
                        EXPECT_EQ(r.take_value(), v);  // handed back
                        return;
                    }
                    if (r.is_sent()) {
                        ++i;
                        sent[static_cast<std::size_t>(p)].fetch_add(1);
                    }
                }
            });
        }
        { auto gone = std::move(tx); }
        std::vector<int> got(producers, 0);
        int n = 0;
        while (std::optional<int> v = af::block_on(rx.recv())) {
            int p = *v / 1000000;
            EXPECT_EQ(*v % 1000000, got[static_cast<std::size_t>(p)]++) << "order";
            if (++n == 50 + round * 20) rx.close();
        }
        for (auto& t : ts) t.join();
        for (int p = 0; p < producers; ++p) EXPECT_EQ(got[static_cast<std::size_t>(p)], sent[static_cast<std::size_t>(p)].load());
    }
}

// The last sender and the receiver go away on two threads at once, with the receiver waiting:
// the shared state is freed once, after both (ASan/TSan watch the wake-up of a leaving receiver).
TEST(mpsc, last_sender_and_receiver_dropping_at_once_free_the_channel_once) {
    for (int i = 0; i < 500; ++i) {
        auto [tx, rx] = mpsc::unbounded<int>();
        af::test::wake_counter wc;
        af::context cx(wc.waker());
        EXPECT_TRUE(rx.poll_next(cx).is_pending());  // a waker is registered
        std::thread t([tx = std::move(tx)]() mutable { auto gone = std::move(tx); });
        { auto gone = std::move(rx); }
        t.join();
    }
}

// ---- issue 12: try_recv, try_reserve, capacity, recv_many, blocking_send / blocking_recv ----

TEST(mpsc, try_recv_says_empty_while_a_sender_lives_and_closed_once_drained_and_gone) {
    auto [tx, rx] = mpsc::bounded<int>(2);
    EXPECT_TRUE(rx.try_recv().is_empty());
    EXPECT_TRUE(tx.try_send(1));
    af::channel::recv_result<int> r = rx.try_recv();
    ASSERT_TRUE(r);
    EXPECT_EQ(r.take_value(), 1);
    EXPECT_TRUE(tx.try_send(2));
    { auto gone = std::move(tx); }
    EXPECT_EQ(rx.try_recv().take_value(), 2);  // drained before the end
    EXPECT_TRUE(rx.try_recv().is_closed());
    EXPECT_TRUE(rx.try_recv().is_closed());
}

TEST(mpsc, try_recv_frees_the_slot_and_wakes_a_waiting_sender) {
    auto [tx, rx] = mpsc::bounded<int>(1);
    af::test::wake_counter ws;
    af::context cs(ws.waker());
    EXPECT_TRUE(tx.try_send(1));
    auto s = tx.send(2);
    EXPECT_TRUE(s.poll(cs).is_pending());
    EXPECT_EQ(rx.try_recv().take_value(), 1);
    EXPECT_EQ(ws.count(), 1u);
    EXPECT_TRUE(s.poll(cs).value());
    EXPECT_EQ(rx.try_recv().take_value(), 2);
}

TEST(mpsc, try_recv_after_close_is_empty_while_a_permit_is_out_then_closed) {
    auto [tx, rx] = mpsc::bounded<int>(2);
    auto p = tx.try_reserve();
    ASSERT_TRUE(p);
    rx.close();
    EXPECT_TRUE(rx.try_recv().is_empty());  // the permit may still send
    p->send(5);
    EXPECT_EQ(rx.try_recv().take_value(), 5);
    EXPECT_TRUE(rx.try_recv().is_closed());
}

TEST(mpsc, try_reserve_gives_a_permit_or_says_full_or_closed_without_waiting) {
    auto [tx, rx] = mpsc::bounded<int>(1);
    auto a = tx.try_reserve();
    ASSERT_TRUE(a);
    EXPECT_EQ(a.status(), af::channel::send_status::sent);
    auto b = tx.try_reserve();
    EXPECT_FALSE(b);
    EXPECT_TRUE(b.is_full());
    a.take_permit().send(3);
    EXPECT_EQ(rx.try_recv().take_value(), 3);
    rx.close();
    auto c = tx.try_reserve();
    EXPECT_TRUE(c.is_closed());
}

TEST(mpsc, try_reserve_does_not_take_a_slot_past_a_waiting_sender) {
    auto [tx, rx] = mpsc::bounded<int>(1);
    af::test::wake_counter ws;
    af::context cs(ws.waker());
    EXPECT_TRUE(tx.try_send(1));
    auto s = tx.send(2);
    EXPECT_TRUE(s.poll(cs).is_pending());
    EXPECT_EQ(rx.try_recv().take_value(), 1);  // the freed slot goes to the waiting send
    EXPECT_TRUE(tx.try_reserve().is_full());
    EXPECT_TRUE(s.poll(cs).value());
}

TEST(mpsc, a_dropped_try_reserve_permit_gives_its_slot_back) {
    auto [tx, rx] = mpsc::bounded<int>(1);
    { auto p = tx.try_reserve(); ASSERT_TRUE(p); EXPECT_EQ(tx.capacity(), 0u); }
    EXPECT_EQ(tx.capacity(), 1u);
    EXPECT_TRUE(tx.try_send(1));
}

TEST(mpsc, capacity_counts_free_slots_and_max_capacity_the_bound) {
    auto [tx, rx] = mpsc::bounded<int>(3);
    EXPECT_EQ(tx.max_capacity(), 3u);
    EXPECT_EQ(rx.max_capacity(), 3u);
    EXPECT_EQ(tx.capacity(), 3u);
    EXPECT_TRUE(tx.try_send(1));
    auto p = tx.try_reserve();
    EXPECT_EQ(tx.capacity(), 1u);  // one queued, one held by the permit
    EXPECT_EQ(rx.capacity(), 1u);
    EXPECT_EQ(rx.try_recv().take_value(), 1);
    EXPECT_EQ(tx.capacity(), 2u);
    auto [utx, urx] = mpsc::unbounded<int>();
    EXPECT_TRUE(utx.try_send(1));
    EXPECT_EQ(utx.capacity(), utx.max_capacity() - 1);
}

TEST(mpsc, recv_many_appends_up_to_the_limit_and_returns_zero_only_at_the_end) {
    auto [tx, rx] = mpsc::unbounded<int>();
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(tx.try_send(i));
    std::vector<int> out{-1};
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto f = rx.recv_many(out, 3);
    EXPECT_EQ(f.poll(cx).value(), 3u);
    EXPECT_EQ(out, (std::vector<int>{-1, 0, 1, 2}));  // appended, nothing cleared
    auto g = rx.recv_many(out, 10);
    EXPECT_EQ(g.poll(cx).value(), 2u);
    auto z = rx.recv_many(out, 0);
    EXPECT_EQ(z.poll(cx).value(), 0u);  // a zero limit answers at once
    { auto gone = std::move(tx); }
    auto e = rx.recv_many(out, 10);
    EXPECT_EQ(e.poll(cx).value(), 0u);
    EXPECT_EQ(out.size(), 6u);
}

TEST(mpsc, recv_many_waits_for_a_first_value_and_frees_every_slot_it_takes) {
    auto [tx, rx] = mpsc::bounded<int>(2);
    af::test::wake_counter wr, ws;
    af::context cr(wr.waker()), cs(ws.waker());
    std::vector<int> out;
    auto f = rx.recv_many(out, 8);
    EXPECT_TRUE(f.poll(cr).is_pending());
    EXPECT_TRUE(tx.try_send(1));
    EXPECT_EQ(wr.count(), 1u);
    EXPECT_TRUE(tx.try_send(2));
    auto s = tx.send(3);
    EXPECT_TRUE(s.poll(cs).is_pending());
    EXPECT_EQ(f.poll(cr).value(), 2u);
    EXPECT_EQ(ws.count(), 1u);  // both slots came back in one release, one went to the waiter
    EXPECT_TRUE(s.poll(cs).value());
    EXPECT_EQ(tx.capacity(), 1u);
}

TEST(mpsc, recv_many_after_close_drains_then_ends) {
    auto [tx, rx] = mpsc::bounded<int>(4);
    EXPECT_TRUE(tx.try_send(1));
    EXPECT_TRUE(tx.try_send(2));
    rx.close();
    std::vector<int> out;
    EXPECT_EQ(af::block_on(rx.recv_many(out, 8)), 2u);
    EXPECT_EQ(af::block_on(rx.recv_many(out, 8)), 0u);
}

TEST(mpsc, dropping_a_pending_recv_many_loses_no_value_and_releases_its_waker) {
    auto [tx, rx] = mpsc::bounded<int>(1);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    std::vector<int> out;
    {
        auto f = rx.recv_many(out, 4);
        EXPECT_TRUE(f.poll(cx).is_pending());
        EXPECT_EQ(wc.clones_alive(), 1u);
    }
    EXPECT_EQ(wc.clones_alive(), 0u);
    EXPECT_TRUE(tx.try_send(9));
    EXPECT_EQ(wc.count(), 0u);  // nobody waits any more
    EXPECT_EQ(rx.try_recv().take_value(), 9);
    EXPECT_TRUE(out.empty());
}

TEST(mpsc, dropping_a_granted_reserve_future_passes_the_slot_on_and_releases_its_waker) {
    auto [tx, rx] = mpsc::bounded<int>(1);
    af::test::wake_counter wa, wb;
    af::context ca(wa.waker()), cb(wb.waker());
    EXPECT_TRUE(tx.try_send(1));
    auto b = tx.reserve();
    {
        auto a = tx.reserve();
        EXPECT_TRUE(a.poll(ca).is_pending());
        EXPECT_TRUE(b.poll(cb).is_pending());
        EXPECT_EQ(rx.try_recv().take_value(), 1);  // the slot is granted to `a`
        EXPECT_EQ(wa.count(), 1u);
    }
    EXPECT_EQ(wa.clones_alive(), 0u);
    EXPECT_EQ(wb.count(), 1u);  // `a` passed its slot on
    auto pb = b.poll(cb);
    ASSERT_TRUE(pb.is_ready() && pb.value().has_value());
    EXPECT_EQ(tx.capacity(), 0u);
    pb.value().reset();
    EXPECT_EQ(tx.capacity(), 1u);
}

TEST(mpsc, blocking_send_and_blocking_recv_cross_threads_in_order) {
    auto [tx, rx] = mpsc::bounded<int>(2);  // small: blocking_send parks often
    constexpr int n = 2000;
    std::thread producer([tx = std::move(tx)] {
        for (int i = 0; i < n; ++i) EXPECT_TRUE(tx.blocking_send(i));
    });
    int expect = 0;
    while (std::optional<int> v = rx.blocking_recv()) EXPECT_EQ(*v, expect++);
    EXPECT_EQ(expect, n);
    producer.join();
}

TEST(mpsc, blocking_send_hands_the_value_back_when_the_receiver_is_gone) {
    auto [tx, rx] = mpsc::bounded<std::string>(1);
    EXPECT_TRUE(tx.blocking_send("a"));
    std::thread closer([rx = std::move(rx)]() mutable {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        auto gone = std::move(rx);
    });
    af::channel::send_result<std::string> r = tx.blocking_send("b");  // waits until the drop
    EXPECT_TRUE(r.is_closed());
    EXPECT_EQ(r.take_value(), "b");
    closer.join();
}

TEST(mpsc, blocking_calls_refuse_on_a_runtime_worker_and_work_on_its_blocking_pool) {
    af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(1).build();
    auto [tx, rx] = mpsc::bounded<int>(1);
    std::string what = rt.block_on([&]() -> af::task<std::string> {
        // The lambda itself goes to spawn (which keeps it alive): a lambda called in place would be
        // a temporary gone before the task runs, its captures with it.
        auto h = af::rt::spawn([&]() -> af::task<std::string> {
            try {
                (void)tx.blocking_send(1);
            } catch (const std::logic_error& e) {
                co_return e.what();
            }
            co_return "";
        });
        co_return co_await std::move(h);
    }());
    EXPECT_NE(what.find("blocking_send"), std::string::npos) << what;
    EXPECT_NE(what.find("spawn_blocking"), std::string::npos) << what;
    EXPECT_TRUE(rx.try_recv().is_empty());  // nothing was sent
    // Inside block_on's own future too: a runtime is polling it.
    EXPECT_THROW(rt.block_on([&]() -> af::task<void> {
        (void)rx.blocking_recv();
        co_return;
    }()), std::logic_error);
    // The blocking pool is the place for it.
    bool sent = rt.block_on([&]() -> af::task<bool> {
        af::channel::send_result<int> r = co_await af::rt::spawn_blocking([&] { return tx.blocking_send(2); });
        co_return r.is_sent();
    }());
    EXPECT_TRUE(sent);
    EXPECT_EQ(rx.blocking_recv(), 2);  // and from a plain thread outside the runtime
}

}  // namespace channel_mpsc_test
