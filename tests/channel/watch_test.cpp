// SPDX-License-Identifier: MIT
// af::channel::watch: latest value, changed() wakes and marks seen, sender drop ends changed()
// with recv_error, and a threaded publisher.
#include "af/channel/watch.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "af/executor/block_on.hpp"
#include "af/test/wake_counter.hpp"

namespace {

namespace ch = af::channel;

static_assert(af::future<ch::watch_receiver<int>::changed_future>);

TEST(watch, borrow_sees_the_initial_then_the_latest_value) {
    auto [tx, rx] = ch::watch(std::string("a"));
    EXPECT_EQ(*rx.borrow(), "a");
    EXPECT_TRUE(tx.send("b"));
    EXPECT_TRUE(tx.send("c"));
    EXPECT_EQ(*rx.borrow(), "c");  // intermediate values are skipped
    EXPECT_EQ(*tx.borrow(), "c");
}

TEST(watch, changed_is_pending_then_woken_by_send_then_ready_and_marks_seen) {
    auto [tx, rx] = ch::watch(0);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_FALSE(rx.has_changed());
    EXPECT_TRUE(rx.poll_changed(cx).is_pending());
    EXPECT_TRUE(tx.send(1));
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(rx.has_changed());
    EXPECT_TRUE(rx.poll_changed(cx).is_ready());
    EXPECT_FALSE(rx.has_changed());
    EXPECT_TRUE(rx.poll_changed(cx).is_pending());
    EXPECT_EQ(*rx.borrow(), 1);
}

TEST(watch, borrow_and_update_marks_the_value_seen) {
    auto [tx, rx] = ch::watch(0);
    EXPECT_TRUE(tx.send(5));
    EXPECT_EQ(*rx.borrow(), 5);
    EXPECT_TRUE(rx.has_changed());
    EXPECT_EQ(*rx.borrow_and_update(), 5);
    EXPECT_FALSE(rx.has_changed());
}

TEST(watch, dropping_the_sender_wakes_changed_which_throws_closed) {
    auto [tx, rx] = ch::watch(0);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(rx.poll_changed(cx).is_pending());
    { auto gone = std::move(tx); }
    EXPECT_EQ(wc.count(), 1u);
    try {
        (void)rx.poll_changed(cx);
        FAIL() << "expected recv_error";
    } catch (const ch::recv_error& e) {
        EXPECT_TRUE(e.is_closed());
    }
    EXPECT_EQ(*rx.borrow(), 0);  // the last value stays readable
}

TEST(watch, an_unseen_change_is_reported_before_the_closed_error) {
    auto [tx, rx] = ch::watch(0);
    EXPECT_TRUE(tx.send(1));
    { auto gone = std::move(tx); }
    EXPECT_NO_THROW(af::block_on(rx.changed()));
    EXPECT_THROW(af::block_on(rx.changed()), ch::recv_error);
}

TEST(watch, send_without_receivers_fails_and_keeps_the_old_value) {
    auto [tx, rx] = ch::watch(1);
    { auto gone = std::move(rx); }
    auto r = tx.send(2);
    EXPECT_TRUE(r.is_closed());
    EXPECT_EQ(r.take_value(), 2);
    EXPECT_EQ(*tx.borrow(), 1);
    auto rx2 = tx.subscribe();
    EXPECT_TRUE(tx.send(3));
    EXPECT_EQ(*rx2.borrow(), 3);
}

TEST(watch, every_receiver_is_woken_and_copies_keep_their_seen_version) {
    auto [tx, rx] = ch::watch(0);
    auto rx2 = rx;
    af::test::wake_counter w1, w2;
    af::context c1(w1.waker()), c2(w2.waker());
    EXPECT_TRUE(rx.poll_changed(c1).is_pending());
    EXPECT_TRUE(rx2.poll_changed(c2).is_pending());
    EXPECT_TRUE(tx.send(1));
    EXPECT_EQ(w1.count(), 1u);
    EXPECT_EQ(w2.count(), 1u);
    EXPECT_TRUE(rx.poll_changed(c1).is_ready());
    EXPECT_TRUE(rx2.has_changed());  // independent of rx
}

TEST(watch, dropping_a_waiting_receiver_releases_its_waker) {
    auto [tx, rx] = ch::watch(0);
    af::test::wake_counter wc;
    {
        auto r2 = tx.subscribe();
        af::context cx(wc.waker());
        auto f = r2.changed();
        EXPECT_TRUE(f.poll(cx).is_pending());
    }
    EXPECT_EQ(wc.clones_alive(), 0u);
    EXPECT_TRUE(tx.send(1));
    EXPECT_EQ(wc.count(), 0u);
}

TEST(watch, a_threaded_receiver_ends_on_the_last_value) {
    auto [tx, rx] = ch::watch(0);
    std::thread t([tx = std::move(tx)] {
        for (int i = 1; i <= 5000; ++i) EXPECT_TRUE(tx.send(i));
    });
    int last = 0;
    for (;;) {
        try {
            af::block_on(rx.changed());
        } catch (const ch::recv_error&) {
            break;
        }
        int v = *rx.borrow_and_update();
        EXPECT_GE(v, last);
        last = v;
    }
    t.join();
    EXPECT_EQ(*rx.borrow(), 5000);
}

}  // namespace
