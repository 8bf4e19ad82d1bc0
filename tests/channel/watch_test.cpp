// SPDX-License-Identifier: MIT
// af::channel::watch: latest value, changed() wakes and marks seen, sender drop ends changed()
// and has_changed() with af::closed_error, send_modify / send_if_modified, the sender's closed()
// future, cancellation, and threaded publishers and subscribers (run under TSan in CI).
#include "af/channel/watch.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <vector>

#include "af/core/error.hpp"
#include "af/executor/block_on.hpp"
#include "af/test/wake_counter.hpp"

namespace channel_watch_test {

namespace {

namespace ch = af::channel;

static_assert(af::future<ch::watch::receiver<int>::changed_future>);
static_assert(af::future<ch::watch::sender<int>::closed_future>);

// The pre-ADR-0015 names compile, with a deprecation warning, as the new types.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static_assert(std::is_same_v<ch::watch_sender<int>, ch::watch::sender<int>>);
static_assert(std::is_same_v<ch::watch_receiver<int>, ch::watch::receiver<int>>);
static_assert(std::is_same_v<ch::watch_ref<int>, ch::watch::ref<int>>);
#pragma GCC diagnostic pop

TEST(watch, borrow_sees_the_initial_then_the_latest_value) {
    auto [tx, rx] = ch::watch::channel(std::string("a"));
    EXPECT_EQ(*rx.borrow(), "a");
    EXPECT_TRUE(tx.send("b"));
    EXPECT_TRUE(tx.send("c"));
    EXPECT_EQ(*rx.borrow(), "c");  // intermediate values are skipped
    EXPECT_EQ(*tx.borrow(), "c");
}

TEST(watch, changed_is_pending_then_woken_by_send_then_ready_and_marks_seen) {
    auto [tx, rx] = ch::watch::channel(0);
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
    auto [tx, rx] = ch::watch::channel(0);
    EXPECT_TRUE(tx.send(5));
    EXPECT_EQ(*rx.borrow(), 5);
    EXPECT_TRUE(rx.has_changed());
    EXPECT_EQ(*rx.borrow_and_update(), 5);
    EXPECT_FALSE(rx.has_changed());
}

TEST(watch, dropping_the_sender_wakes_changed_which_throws_closed) {
    auto [tx, rx] = ch::watch::channel(0);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(rx.poll_changed(cx).is_pending());
    { auto gone = std::move(tx); }
    EXPECT_EQ(wc.count(), 1u);
    try {
        (void)rx.poll_changed(cx);
        FAIL() << "expected af::closed_error";
    } catch (const af::closed_error& e) {
        EXPECT_EQ(e.code(), af::errc::closed);
        EXPECT_STREQ(e.what(), "watch sender dropped");
    }
    EXPECT_EQ(*rx.borrow(), 0);  // the last value stays readable
}

TEST(watch, an_unseen_change_is_reported_before_the_closed_error) {
    auto [tx, rx] = ch::watch::channel(0);
    EXPECT_TRUE(tx.send(1));
    { auto gone = std::move(tx); }
    EXPECT_NO_THROW(af::block_on(rx.changed()));
    EXPECT_THROW(af::block_on(rx.changed()), af::closed_error);
}

TEST(watch, send_without_receivers_fails_and_keeps_the_old_value) {
    auto [tx, rx] = ch::watch::channel(1);
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
    auto [tx, rx] = ch::watch::channel(0);
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
    auto [tx, rx] = ch::watch::channel(0);
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
    auto [tx, rx] = ch::watch::channel(0);
    std::thread t([tx = std::move(tx)] {
        for (int i = 1; i <= 5000; ++i) EXPECT_TRUE(tx.send(i));
    });
    int last = 0;
    for (;;) {
        try {
            af::block_on(rx.changed());
        } catch (const af::closed_error&) {
            break;
        }
        int v = *rx.borrow_and_update();
        EXPECT_GE(v, last);
        last = v;
    }
    t.join();
    EXPECT_EQ(*rx.borrow(), 5000);
}

// --- has_changed and is_closed after the sender is gone ------------------------------------------

TEST(watch, has_changed_reports_an_unseen_value_then_throws_closed_once_the_sender_is_gone) {
    auto [tx, rx] = ch::watch::channel(0);
    EXPECT_FALSE(rx.is_closed());
    EXPECT_TRUE(tx.send(1));
    { auto gone = std::move(tx); }
    EXPECT_TRUE(rx.is_closed());
    EXPECT_TRUE(rx.has_changed());  // the last value is still unseen
    EXPECT_EQ(*rx.borrow_and_update(), 1);
    EXPECT_THROW((void)rx.has_changed(), af::closed_error);  // could never become true again
    EXPECT_THROW(af::block_on(rx.changed()), af::closed_error);
}

TEST(watch, has_changed_of_a_receiver_that_saw_everything_throws_closed_when_the_sender_drops) {
    auto [tx, rx] = ch::watch::channel(0);
    EXPECT_FALSE(rx.has_changed());
    { auto gone = std::move(tx); }
    try {
        (void)rx.has_changed();
        FAIL() << "expected af::closed_error";
    } catch (const std::system_error& e) {  // one catch sees every af runtime failure
        EXPECT_EQ(e.code(), af::errc::closed);
    }
}

// --- send_modify / send_if_modified --------------------------------------------------------------

TEST(watch, send_modify_edits_in_place_and_always_notifies) {
    auto [tx, rx] = ch::watch::channel(std::vector<int>{1});
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(rx.poll_changed(cx).is_pending());
    tx.send_modify([](std::vector<int>& v) { v.push_back(2); });
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(rx.poll_changed(cx).is_ready());
    EXPECT_EQ(rx.borrow()->size(), 2u);
    tx.send_modify([](std::vector<int>&) {});  // no edit: still a change
    EXPECT_TRUE(rx.has_changed());
}

TEST(watch, send_modify_works_without_receivers_and_keeps_the_value_for_later_ones) {
    auto [tx, rx] = ch::watch::channel(1);
    { auto gone = std::move(rx); }
    tx.send_modify([](int& v) { v = 5; });
    auto rx2 = tx.subscribe();
    EXPECT_EQ(*rx2.borrow(), 5);
    EXPECT_FALSE(rx2.has_changed());
}

TEST(watch, send_if_modified_notifies_only_when_the_function_says_so) {
    auto [tx, rx] = ch::watch::channel(0);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(rx.poll_changed(cx).is_pending());
    EXPECT_FALSE(tx.send_if_modified([](int& v) { return v == 1; }));
    EXPECT_EQ(wc.count(), 0u);
    EXPECT_FALSE(rx.has_changed());
    EXPECT_TRUE(rx.poll_changed(cx).is_pending());
    EXPECT_TRUE(tx.send_if_modified([](int& v) {
        v = 7;
        return true;
    }));
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(rx.poll_changed(cx).is_ready());
    EXPECT_EQ(*rx.borrow(), 7);
}

TEST(watch, a_throwing_modify_propagates_and_counts_as_a_change) {
    auto [tx, rx] = ch::watch::channel(0);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(rx.poll_changed(cx).is_pending());
    EXPECT_THROW(tx.send_if_modified([](int& v) -> bool {
        v = 3;
        throw std::runtime_error("half done");
    }),
                 std::runtime_error);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(rx.has_changed());
    EXPECT_EQ(*rx.borrow(), 3);
    EXPECT_TRUE(tx.send(4));  // the lock was released
}

// --- the sender's closed() -----------------------------------------------------------------------

TEST(watch, closed_completes_when_the_last_receiver_goes) {
    auto [tx, rx] = ch::watch::channel(0);
    auto rx2 = rx;
    EXPECT_FALSE(tx.is_closed());
    auto closed = tx.closed();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(closed.poll(cx).is_pending());
    { auto gone = std::move(rx); }
    EXPECT_EQ(wc.count(), 0u);
    EXPECT_TRUE(closed.poll(cx).is_pending());
    { auto gone = std::move(rx2); }
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(tx.is_closed());
    EXPECT_TRUE(closed.poll(cx).is_ready());
    EXPECT_EQ(wc.clones_alive(), 0u);
}

TEST(watch, closed_is_ready_at_once_without_receivers_and_subscribe_reopens) {
    auto [tx, rx] = ch::watch::channel(0);
    { auto gone = std::move(rx); }
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(tx.closed().poll(cx).is_ready());
    auto rx2 = tx.subscribe();
    EXPECT_FALSE(tx.is_closed());
    auto closed = tx.closed();
    EXPECT_TRUE(closed.poll(cx).is_pending());
}

TEST(watch, closed_outlives_the_sender) {
    auto ch = ch::watch::channel(0);
    auto closed = ch.first.closed();
    { auto gone = std::move(ch.first); }
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(closed.poll(cx).is_pending());
    { auto gone = std::move(ch.second); }
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(closed.poll(cx).is_ready());
}

// --- cancellation -------------------------------------------------------------------------------

TEST(watch, dropping_a_pending_changed_future_releases_its_waker_and_loses_no_change) {
    auto [tx, rx] = ch::watch::channel(0);
    af::test::wake_counter wc;
    {
        af::context cx(wc.waker());
        auto f = rx.changed();
        EXPECT_TRUE(f.poll(cx).is_pending());
        EXPECT_EQ(wc.clones_alive(), 1u);
    }
    EXPECT_EQ(wc.clones_alive(), 0u) << "the receiver lives on, but its waker is gone";
    EXPECT_TRUE(tx.send(1));
    EXPECT_EQ(wc.count(), 0u);
    EXPECT_TRUE(rx.has_changed());
    EXPECT_NO_THROW(af::block_on(rx.changed()));
}

TEST(watch, dropping_a_pending_closed_future_releases_its_waker) {
    auto [tx, rx] = ch::watch::channel(0);
    af::test::wake_counter wc;
    {
        af::context cx(wc.waker());
        auto closed = tx.closed();
        EXPECT_TRUE(closed.poll(cx).is_pending());
        EXPECT_EQ(wc.clones_alive(), 1u);
    }
    EXPECT_EQ(wc.clones_alive(), 0u);
    { auto gone = std::move(rx); }
    EXPECT_EQ(wc.count(), 0u);
}

// --- threads ------------------------------------------------------------------------------------

TEST(watch, closed_on_one_thread_completes_when_receivers_drop_on_others) {
    for (int round = 0; round < 200; ++round) {
        auto [tx, rx] = ch::watch::channel(0);
        std::vector<ch::watch::receiver<int>> rxs;
        for (int i = 0; i < 3; ++i) rxs.push_back(rx);
        std::vector<std::thread> ts;
        for (auto& r : rxs) ts.emplace_back([r = std::move(r)]() mutable { auto gone = std::move(r); });
        ts.emplace_back([r = std::move(rx)]() mutable { auto gone = std::move(r); });
        af::block_on(tx.closed());
        EXPECT_TRUE(tx.is_closed());
        for (auto& t : ts) t.join();
    }
}

TEST(watch, send_modify_from_two_threads_loses_no_edit_and_the_receiver_sees_the_total) {
    auto [tx, rx] = ch::watch::channel(0);
    constexpr int per_thread = 2000;
    std::atomic<bool> done{false};
    std::thread reader([&done, r = rx]() mutable {
        while (!done.load()) (void)*r.borrow_and_update();
    });
    auto add = [&tx] {
        for (int i = 0; i < per_thread; ++i) tx.send_modify([](int& v) { ++v; });
    };
    std::thread a(add), b(add);
    a.join();
    b.join();
    done.store(true);
    reader.join();
    EXPECT_EQ(*rx.borrow(), 2 * per_thread);
    EXPECT_TRUE(rx.has_changed());
}

}  // namespace

}  // namespace channel_watch_test
