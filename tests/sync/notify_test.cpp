// SPDX-License-Identifier: MIT
#include "af/sync/notify.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/executor/thread_pool.hpp"
#include "af/test/wake_counter.hpp"

namespace sync_notify_test {

namespace {

using af::sync::notify;
using notified_slot = std::optional<notify::notified_future>;

TEST(notify, notify_one_wakes_a_waiter_which_then_completes) {
    notify n;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto f = n.notified();
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_TRUE(f.poll(cx).is_pending());
    n.notify_one();
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(f.poll(cx).is_ready());
    EXPECT_EQ(wc.clones_alive(), 0u);
}

TEST(notify, notify_one_without_waiters_stores_one_permit) {
    notify n;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    n.notify_one();
    n.notify_one();  // still one permit
    auto a = n.notified();
    EXPECT_TRUE(a.poll(cx).is_ready());
    auto b = n.notified();
    EXPECT_TRUE(b.poll(cx).is_pending());
}

TEST(notify, notify_one_wakes_waiters_in_fifo_order) {
    notify n;
    af::test::wake_counter w1, w2;
    af::context c1(w1.waker()), c2(w2.waker());
    auto a = n.notified();
    auto b = n.notified();
    EXPECT_TRUE(a.poll(c1).is_pending());
    EXPECT_TRUE(b.poll(c2).is_pending());
    n.notify_one();
    EXPECT_EQ(w1.count(), 1u);
    EXPECT_EQ(w2.count(), 0u);
    EXPECT_TRUE(b.poll(c2).is_pending());
    n.notify_one();
    EXPECT_EQ(w2.count(), 1u);
    EXPECT_TRUE(a.poll(c1).is_ready());
    EXPECT_TRUE(b.poll(c2).is_ready());
}

TEST(notify, notify_waiters_wakes_all_including_unpolled_futures_but_stores_nothing) {
    notify n;
    af::test::wake_counter w1, w2;
    af::context c1(w1.waker()), c2(w2.waker());
    auto a = n.notified();
    auto early = n.notified();  // created before the call, first polled after it
    EXPECT_TRUE(a.poll(c1).is_pending());
    n.notify_waiters();
    EXPECT_EQ(w1.count(), 1u);
    EXPECT_TRUE(a.poll(c1).is_ready());
    EXPECT_TRUE(early.poll(c2).is_ready());
    auto late = n.notified();
    EXPECT_TRUE(late.poll(c2).is_pending());
}

TEST(notify, a_cancelled_waiter_chosen_by_notify_one_passes_the_wakeup_on) {
    notify n;
    af::test::wake_counter w1, w2;
    af::context c1(w1.waker()), c2(w2.waker());
    notified_slot a;
    a.emplace(n.notified());
    auto b = n.notified();
    EXPECT_TRUE(a->poll(c1).is_pending());
    EXPECT_TRUE(b.poll(c2).is_pending());
    n.notify_one();
    a.reset();
    EXPECT_EQ(w2.count(), 1u);
    EXPECT_TRUE(b.poll(c2).is_ready());
}

TEST(notify, a_cancelled_chosen_waiter_with_nobody_behind_stores_the_permit) {
    notify n;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    notified_slot a;
    a.emplace(n.notified());
    EXPECT_TRUE(a->poll(cx).is_pending());
    n.notify_one();
    a.reset();
    auto b = n.notified();
    EXPECT_TRUE(b.poll(cx).is_ready());
}

TEST(notify, a_cancelled_waiting_future_is_skipped_by_notify_one) {
    notify n;
    af::test::wake_counter w1, w2;
    af::context c1(w1.waker()), c2(w2.waker());
    notified_slot a;
    a.emplace(n.notified());
    auto b = n.notified();
    EXPECT_TRUE(a->poll(c1).is_pending());
    EXPECT_TRUE(b.poll(c2).is_pending());
    a.reset();
    n.notify_one();
    EXPECT_EQ(w1.count(), 0u);
    EXPECT_EQ(w2.count(), 1u);
}

TEST(notify, random_cancellation_never_loses_a_notify_one) {
    for (unsigned seed = 1; seed <= 20; ++seed) {
        std::mt19937 rng(seed);
        notify n;
        struct slot {
            af::test::wake_counter wc;
            notified_slot fut;
        };
        std::vector<std::unique_ptr<slot>> waiters;
        int sent = 0, received = 0;
        for (int step = 0; step < 300; ++step) {
            switch (rng() % 4) {
            case 0: {
                auto s = std::make_unique<slot>();
                s->fut.emplace(n.notified());
                af::context cx(s->wc.waker());
                if (s->fut->poll(cx).is_ready()) ++received;
                else waiters.push_back(std::move(s));
                break;
            }
            case 1:
                if (!waiters.empty()) waiters.erase(waiters.begin() + rng() % waiters.size());
                break;
            case 2:
                if (sent - received < 1) { n.notify_one(); ++sent; }  // at most one outstanding
                break;
            default:
                for (auto it = waiters.begin(); it != waiters.end();) {
                    if ((*it)->wc.count() == 0) { ++it; continue; }
                    af::context cx((*it)->wc.waker());
                    ASSERT_TRUE((*it)->fut->poll(cx).is_ready());
                    ++received;
                    it = waiters.erase(it);
                }
            }
        }
        waiters.clear();
        // The outstanding notification (if any) is still stored as the permit.
        af::test::wake_counter wc;
        af::context cx(wc.waker());
        auto last = n.notified();
        EXPECT_EQ(last.poll(cx).is_ready(), sent - received == 1) << "seed " << seed;
    }
}

af::task<> ping_pong(notify& mine, notify& theirs, int rounds, bool starts, std::atomic<int>& progress) {
    for (int i = 0; i < rounds; ++i) {
        if (starts) theirs.notify_one();
        co_await mine.notified();
        if (!starts) theirs.notify_one();
        progress.fetch_add(1, std::memory_order_relaxed);
    }
}

TEST(notify, ping_pong_across_threads_loses_no_notification) {
    constexpr int rounds = 5000;
    notify a, b;
    std::atomic<int> pa{0}, pb{0};
    af::executor::thread_pool pool(2);
    auto h1 = pool.spawn(ping_pong(a, b, rounds, true, pa));
    auto h2 = pool.spawn(ping_pong(b, a, rounds, false, pb));
    // A lost notification leaves both sides waiting for ever: fail with where they stopped as
    // soon as neither side has moved for 10 s, rather than at the test's time limit.
    int last = -1;
    auto still_since = std::chrono::steady_clock::now();
    while (pa.load() + pb.load() < 2 * rounds) {
        int now = pa.load() + pb.load();
        if (now != last) {
            last = now;
            still_since = std::chrono::steady_clock::now();
        } else if (std::chrono::steady_clock::now() - still_since > std::chrono::seconds(10)) {
            FAIL() << "no progress for 10 s: a lost notification (rounds done: " << pa.load() << " and "
                   << pb.load() << " of " << rounds << ")";
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    af::block_on(std::move(h1));
    af::block_on(std::move(h2));
    EXPECT_EQ(pa.load(), rounds);
    EXPECT_EQ(pb.load(), rounds);
}

}  // namespace

}  // namespace sync_notify_test
