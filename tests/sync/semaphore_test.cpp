// SPDX-License-Identifier: MIT
#include "af/sync/semaphore.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/executor/thread_pool.hpp"
#include "af/future/yield_now.hpp"
#include "af/test/wake_counter.hpp"

namespace sync_semaphore_test {

namespace {

using af::sync::semaphore;
using acquire_slot = std::optional<semaphore::acquire_future>;

TEST(semaphore, acquire_is_ready_when_permits_are_free_and_the_guard_returns_them) {
    semaphore sem(3);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    {
        auto f = sem.acquire(2);
        auto p = f.poll(cx);
        ASSERT_TRUE(p.is_ready());
        EXPECT_EQ(p.value().count(), 2u);
        EXPECT_EQ(sem.available_permits(), 1u);
    }
    EXPECT_EQ(sem.available_permits(), 3u);
    EXPECT_EQ(wc.count(), 0u);
}

TEST(semaphore, a_waiter_is_pending_then_woken_once_by_the_release) {
    semaphore sem(1);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto held = sem.try_acquire();
    ASSERT_TRUE(held);
    auto f = sem.acquire();
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_TRUE(f.poll(cx).is_pending());  // a re-poll keeps its place and wakes nobody
    EXPECT_EQ(wc.count(), 0u);
    held.reset();
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(sem.available_permits(), 0u);  // assigned to the waiter, not free
    auto p = f.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(p.value().count(), 1u);
    EXPECT_EQ(wc.clones_alive(), 0u);
}

TEST(semaphore, a_large_waiter_at_the_head_is_not_starved_by_small_ones) {
    semaphore sem(0);
    af::test::wake_counter big_w, small_w;
    af::context big_cx(big_w.waker()), small_cx(small_w.waker());
    auto big = sem.acquire(3);
    auto small = sem.acquire(1);
    EXPECT_TRUE(big.poll(big_cx).is_pending());
    EXPECT_TRUE(small.poll(small_cx).is_pending());

    sem.add_permits(1);
    EXPECT_EQ(big_w.count(), 0u);
    EXPECT_EQ(small_w.count(), 0u);  // the one free permit went to the head, not to the small waiter
    EXPECT_FALSE(sem.try_acquire(1));  // nor to a newcomer
    sem.add_permits(2);
    EXPECT_EQ(big_w.count(), 1u);
    EXPECT_EQ(small_w.count(), 0u);
    std::optional<af::sync::semaphore_permit> bp;
    {
        auto p = big.poll(big_cx);
        ASSERT_TRUE(p.is_ready());
        bp.emplace(std::move(p).value());
    }
    EXPECT_EQ(bp->count(), 3u);
    EXPECT_TRUE(small.poll(small_cx).is_pending());
    bp.reset();
    EXPECT_EQ(small_w.count(), 1u);
    EXPECT_TRUE(small.poll(small_cx).is_ready());
    EXPECT_EQ(sem.available_permits(), 3u);  // small's permit went back when its poll result died
}

// A release serves waiters in batches of 16 wakers and drops its lock to wake each batch. An
// acquire that first polls in that window (here: from inside a woken waker) finds free permits
// and a non-empty queue; the permits belong to the waiters ahead of it, not to the newcomer.
TEST(semaphore, an_acquire_arriving_while_a_release_wakes_a_batch_queues_behind_the_waiters) {
    af::sync::semaphore sem(0);
    std::optional<af::sync::semaphore::acquire_future> late;
    std::optional<af::poll<af::sync::semaphore_permit>> late_first;
    struct poll_late_on_wake final : af::wakeable {
        std::optional<af::sync::semaphore::acquire_future>* late;
        std::optional<af::poll<af::sync::semaphore_permit>>* first;
        af::sync::semaphore* sem;
        void wake() noexcept override {
            if (late->has_value()) return;
            late->emplace(sem->acquire(1));
            af::waker w = af::waker::noop();
            af::context cx(w);
            first->emplace((*late)->poll(cx));
        }
    };
    auto hook = af::make_wakeable<poll_late_on_wake>();
    hook->late = &late;
    hook->first = &late_first;
    hook->sem = &sem;
    af::waker hook_waker = af::waker::from(*hook);

    af::test::wake_counter wc;
    std::vector<std::optional<af::sync::semaphore::acquire_future>> waiters(17);
    for (std::size_t i = 0; i < waiters.size(); ++i) {
        waiters[i].emplace(sem.acquire(1));
        af::waker w = i == 0 ? hook_waker : wc.waker();
        af::context cx(w);
        ASSERT_TRUE(waiters[i]->poll(cx).is_pending());
    }
    sem.add_permits(100);  // serves 16, wakes them (the first polls `late`), then the 17th
    ASSERT_TRUE(late.has_value());
    ASSERT_TRUE(late_first->is_pending());  // queued behind the 17th, not served from its permits

    std::vector<af::sync::semaphore_permit> held;
    for (auto& w : waiters) {
        af::context cx(wc.waker());
        auto p = w->poll(cx);
        ASSERT_TRUE(p.is_ready());
        held.push_back(std::move(p).value());
    }
    af::context cx(wc.waker());
    auto p = late->poll(cx);
    ASSERT_TRUE(p.is_ready());  // served after the 17th by the same release
    EXPECT_EQ(p.value().count(), 1u);
    EXPECT_EQ(sem.available_permits(), 100u - 18u);  // no permit lost or handed out twice
}

TEST(semaphore, try_acquire_takes_only_what_is_free_and_only_when_nobody_waits) {
    semaphore sem(2);
    EXPECT_FALSE(sem.try_acquire(3));
    auto a = sem.try_acquire(2);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->count(), 2u);
    EXPECT_FALSE(sem.try_acquire(1));
    a->release();
    EXPECT_EQ(a->count(), 0u);
    EXPECT_EQ(sem.available_permits(), 2u);
    EXPECT_TRUE(sem.try_acquire(0));
}

TEST(semaphore, forget_shrinks_the_semaphore_and_add_permits_grows_it) {
    semaphore sem(2);
    sem.try_acquire(1)->forget();
    EXPECT_EQ(sem.available_permits(), 1u);
    sem.add_permits(4);
    EXPECT_EQ(sem.available_permits(), 5u);
}

TEST(semaphore, permits_move_between_guards_without_double_release) {
    semaphore sem(2);
    af::sync::semaphore_permit a = std::move(*sem.try_acquire(2));
    af::sync::semaphore_permit b;
    b = std::move(a);
    EXPECT_EQ(a.count(), 0u);
    EXPECT_EQ(b.count(), 2u);
    EXPECT_EQ(sem.available_permits(), 0u);
    b = af::sync::semaphore_permit();
    EXPECT_EQ(sem.available_permits(), 2u);
}

TEST(semaphore, close_fails_waiters_and_later_acquires_and_keeps_the_count) {
    semaphore sem(1);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto f = sem.acquire(3);
    EXPECT_TRUE(f.poll(cx).is_pending());  // took the free permit as head
    EXPECT_EQ(sem.available_permits(), 0u);
    sem.close();
    EXPECT_TRUE(sem.is_closed());
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(sem.available_permits(), 1u);  // the partly assigned permit came back
    EXPECT_THROW((void)f.poll(cx), af::closed_error);
    EXPECT_FALSE(sem.try_acquire(1));
    auto g = sem.acquire(1);
    EXPECT_THROW((void)g.poll(cx), af::closed_error);
}

TEST(semaphore, dropping_an_unpolled_or_finished_acquire_changes_nothing) {
    semaphore sem(1);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    { auto unpolled = sem.acquire(1); }
    EXPECT_EQ(sem.available_permits(), 1u);
    {
        auto f = sem.acquire(1);
        auto p = f.poll(cx);
        ASSERT_TRUE(p.is_ready());
        af::sync::semaphore_permit kept = std::move(p).value();
        // f is finished: its destruction must not return the permit that `kept` holds
        { auto moved_out = std::move(kept); }
        EXPECT_EQ(sem.available_permits(), 1u);
        auto again = sem.try_acquire(1);
        ASSERT_TRUE(again);
    }
    EXPECT_EQ(sem.available_permits(), 1u);
}

TEST(semaphore, cancelling_a_partly_served_head_passes_its_permits_to_the_next_waiter) {
    semaphore sem(0);
    af::test::wake_counter aw, bw;
    af::context acx(aw.waker()), bcx(bw.waker());
    acquire_slot a;
    a.emplace(sem, 2);
    auto b = sem.acquire(1);
    EXPECT_TRUE(a->poll(acx).is_pending());
    EXPECT_TRUE(b.poll(bcx).is_pending());
    sem.add_permits(1);  // assigned to a, which still needs one more
    EXPECT_EQ(bw.count(), 0u);
    a.reset();
    EXPECT_EQ(bw.count(), 1u);
    EXPECT_EQ(aw.clones_alive(), 0u);
    {
        auto p = b.poll(bcx);
        ASSERT_TRUE(p.is_ready());
        EXPECT_EQ(sem.available_permits(), 0u);
    }
    EXPECT_EQ(sem.available_permits(), 1u);
}

TEST(semaphore, cancelling_a_woken_but_unpolled_waiter_passes_its_permits_on) {
    semaphore sem(1);
    af::test::wake_counter aw, bw;
    af::context acx(aw.waker()), bcx(bw.waker());
    auto held = sem.try_acquire();
    acquire_slot a;
    a.emplace(sem, 1);
    auto b = sem.acquire(1);
    EXPECT_TRUE(a->poll(acx).is_pending());
    EXPECT_TRUE(b.poll(bcx).is_pending());
    held.reset();
    EXPECT_EQ(aw.count(), 1u);
    a.reset();  // woken with the permit in hand, dropped before it polled
    EXPECT_EQ(bw.count(), 1u);
    EXPECT_TRUE(b.poll(bcx).is_ready());
    EXPECT_EQ(sem.available_permits(), 1u);
}

TEST(semaphore, cancelling_a_middle_waiter_keeps_the_order_of_the_others) {
    semaphore sem(0);
    af::test::wake_counter w1, w2, w3;
    af::context c1(w1.waker()), c2(w2.waker()), c3(w3.waker());
    auto f1 = sem.acquire();
    acquire_slot f2;
    f2.emplace(sem, 1);
    auto f3 = sem.acquire();
    EXPECT_TRUE(f1.poll(c1).is_pending());
    EXPECT_TRUE(f2->poll(c2).is_pending());
    EXPECT_TRUE(f3.poll(c3).is_pending());
    f2.reset();
    EXPECT_EQ(sem.available_permits(), 0u);
    sem.add_permits(1);
    EXPECT_EQ(w1.count(), 1u);
    EXPECT_EQ(w3.count(), 0u);
    sem.add_permits(1);
    EXPECT_EQ(w3.count(), 1u);
    EXPECT_TRUE(f1.poll(c1).is_ready());
    EXPECT_TRUE(f3.poll(c3).is_ready());
    EXPECT_EQ(sem.available_permits(), 2u);
}

TEST(semaphore, a_repoll_with_a_new_waker_is_the_one_woken) {
    semaphore sem(0);
    af::test::wake_counter first, second;
    af::context c1(first.waker()), c2(second.waker());
    auto f = sem.acquire();
    EXPECT_TRUE(f.poll(c1).is_pending());
    EXPECT_TRUE(f.poll(c2).is_pending());
    sem.add_permits(1);
    EXPECT_EQ(first.count(), 0u);
    EXPECT_EQ(second.count(), 1u);
    EXPECT_EQ(first.clones_alive(), 0u);
    EXPECT_TRUE(f.poll(c2).is_ready());
}

TEST(semaphore, releasing_many_waiters_at_once_wakes_every_one_in_fifo_order) {
    semaphore sem(0);
    constexpr int n = 40;  // more than one batch of wakers
    std::vector<af::test::wake_counter> wakers(n);
    std::vector<acquire_slot> fs(n);
    for (int i = 0; i < n; ++i) {
        fs[i].emplace(sem, 1);
        af::context cx(wakers[i].waker());
        EXPECT_TRUE(fs[i]->poll(cx).is_pending());
    }
    sem.add_permits(n - 1);
    for (int i = 0; i < n - 1; ++i) EXPECT_EQ(wakers[i].count(), 1u) << i;
    EXPECT_EQ(wakers[n - 1].count(), 0u);
    fs.clear();  // cancels the woken ones (permits back) and the last waiter
    EXPECT_EQ(sem.available_permits(), std::size_t(n - 1));
}

TEST(semaphore, owned_permits_keep_the_semaphore_alive_in_another_task) {
    auto sem = std::make_shared<semaphore>(1);
    af::executor::thread_pool pool(2);
    auto permit = af::block_on(af::sync::acquire_owned(sem, 1));
    EXPECT_EQ(permit.count(), 1u);
    EXPECT_FALSE(af::sync::try_acquire_owned(sem));
    std::weak_ptr<semaphore> weak = sem;
    auto h = pool.spawn([](af::sync::owned_semaphore_permit p) -> af::task<std::size_t> {
        co_await af::yield_now();
        co_return p.count();
    }(std::move(permit)));
    auto again = af::sync::acquire_owned(sem, 1);
    sem.reset();  // the pending acquire and the task's permit keep it alive
    EXPECT_EQ(af::block_on(std::move(h)), 1u);
    auto p2 = af::block_on(std::move(again));  // the spawned task's permit came back
    EXPECT_EQ(p2.semaphore_ptr()->available_permits(), 0u);
    EXPECT_FALSE(weak.expired());
}

// Hand-stepped, seeded: waiters of random sizes are polled, woken, completed and cancelled in
// random order while permits come and go. After everything is dropped every permit is back, and
// at every step a waiter whose permits are all assigned has been woken.
TEST(semaphore, random_cancellation_loses_no_permit_and_no_wakeup) {
    for (unsigned seed = 1; seed <= 20; ++seed) {
        std::mt19937 rng(seed);
        constexpr std::size_t total = 6;
        semaphore sem(total);
        struct slot {
            af::test::wake_counter wc;
            acquire_slot fut;
            std::size_t seen_wakes = 0;
        };
        std::vector<std::unique_ptr<slot>> waiters;
        std::vector<af::sync::semaphore_permit> held;
        for (int step = 0; step < 400; ++step) {
            switch (rng() % 5) {
            case 0: {  // a new waiter
                auto s = std::make_unique<slot>();
                s->fut.emplace(sem, 1 + rng() % 4);
                af::context cx(s->wc.waker());
                auto p = s->fut->poll(cx);
                if (p.is_ready()) held.push_back(std::move(p).value());
                else waiters.push_back(std::move(s));
                break;
            }
            case 1:  // cancel a random waiter
                if (!waiters.empty()) waiters.erase(waiters.begin() + rng() % waiters.size());
                break;
            case 2:  // release a random permit
                if (!held.empty()) held.erase(held.begin() + rng() % held.size());
                break;
            default: {  // poll every woken waiter
                for (auto it = waiters.begin(); it != waiters.end();) {
                    auto& s = **it;
                    if (s.wc.count() == s.seen_wakes) { ++it; continue; }
                    s.seen_wakes = s.wc.count();
                    af::context cx(s.wc.waker());
                    auto p = s.fut->poll(cx);
                    ASSERT_TRUE(p.is_ready()) << "woken without permits, seed " << seed;
                    held.push_back(std::move(p).value());
                    it = waiters.erase(it);
                }
            }
            }
            // No lost wake-up: if nobody holds anything, nobody is left waiting unwoken.
            if (held.empty()) {
                bool someone_woken = false;
                for (auto& s : waiters) someone_woken |= s->wc.count() != s->seen_wakes;
                EXPECT_TRUE(waiters.empty() || someone_woken) << "stalled, seed " << seed << " step " << step;
            }
        }
        waiters.clear();
        held.clear();
        EXPECT_EQ(sem.available_permits(), total) << "seed " << seed;
    }
}

af::task<> bounded_worker(semaphore& sem, std::atomic<int>& inside, std::atomic<int>& peak, int rounds) {
    for (int i = 0; i < rounds; ++i) {
        auto p = co_await sem.acquire(1);
        int now = inside.fetch_add(1) + 1;
        int old = peak.load();
        while (now > old && !peak.compare_exchange_weak(old, now)) {}
        if (i % 8 == 0) co_await af::yield_now();
        inside.fetch_sub(1);
    }
}

TEST(semaphore, bounds_concurrency_across_threads) {
    semaphore sem(2);
    std::atomic<int> inside{0}, peak{0};
    {
        af::executor::thread_pool pool(4);
        std::vector<af::join_handle<void>> hs;
        for (int t = 0; t < 6; ++t) hs.push_back(pool.spawn(bounded_worker(sem, inside, peak, 2000)));
        for (auto& h : hs) af::block_on(std::move(h));
    }
    EXPECT_LE(peak.load(), 2);
    EXPECT_EQ(sem.available_permits(), 2u);
}

af::task<> hold_for_a_while(semaphore& sem, std::size_t n, int yields) {
    auto p = co_await sem.acquire(n);
    for (int i = 0; i < yields; ++i) co_await af::yield_now();
}

TEST(semaphore, aborting_waiting_tasks_on_a_thread_pool_returns_every_permit) {
    std::mt19937 rng(7);
    semaphore sem(4);
    {
        af::executor::thread_pool pool(3);
        std::vector<af::join_handle<void>> hs;
        for (int i = 0; i < 300; ++i) {
            hs.push_back(pool.spawn(hold_for_a_while(sem, 1 + rng() % 4, static_cast<int>(rng() % 4))));
            if (rng() % 3 == 0) hs[rng() % hs.size()].abort();
        }
        for (auto& h : hs) {
            try {
                af::block_on(std::move(h));
            } catch (const af::cancelled_error&) {
            }
        }
    }
    EXPECT_EQ(sem.available_permits(), 4u);
}

}  // namespace

}  // namespace sync_semaphore_test
