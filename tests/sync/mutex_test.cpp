// SPDX-License-Identifier: MIT
#include "af/sync/mutex.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/executor/thread_pool.hpp"
#include "af/future/yield_now.hpp"
#include "af/test/wake_counter.hpp"

namespace sync_mutex_test {

namespace {

using lock_slot = std::optional<af::sync::mutex<int>::lock_future>;

TEST(mutex, lock_gives_a_guard_to_the_value_and_unlocks_on_drop) {
    af::sync::mutex<std::string> m("a");
    {
        auto g = af::block_on(m.lock());
        g->append("b");
        EXPECT_EQ(*g, "ab");
        EXPECT_FALSE(m.try_lock());
    }
    auto g = m.try_lock();
    ASSERT_TRUE(g);
    EXPECT_EQ(**g, "ab");
}

TEST(mutex, waiters_get_the_lock_in_fifo_order) {
    af::sync::mutex<std::vector<int>> m;
    auto first = m.try_lock();
    std::vector<af::test::wake_counter> wc(3);
    std::vector<std::optional<af::sync::mutex<std::vector<int>>::lock_future>> fs(3);
    for (int i = 0; i < 3; ++i) {
        fs[i].emplace(m.lock());
        af::context cx(wc[i].waker());
        EXPECT_TRUE(fs[i]->poll(cx).is_pending());
    }
    first.reset();
    for (int i = 0; i < 3; ++i) {
        for (int j = 0; j < 3; ++j) EXPECT_EQ(wc[j].count(), j <= i ? 1u : 0u) << i << j;
        EXPECT_FALSE(m.try_lock());  // the woken waiter owns it already
        af::context cx(wc[i].waker());
        auto p = fs[i]->poll(cx);
        ASSERT_TRUE(p.is_ready());
        p.value()->push_back(i);
    }  // each guard dies at the end of its iteration, waking the next waiter
    EXPECT_EQ(m.get_mut(), (std::vector<int>{0, 1, 2}));
}

TEST(mutex, unlock_on_the_guard_releases_early) {
    af::sync::mutex<int> m(1);
    auto g = m.try_lock();
    ASSERT_TRUE(g);
    g->unlock();
    EXPECT_TRUE(m.try_lock());
}

TEST(mutex, a_cancelled_waiter_that_was_handed_the_lock_passes_it_on) {
    af::sync::mutex<int> m(0);
    af::test::wake_counter aw, bw;
    af::context acx(aw.waker()), bcx(bw.waker());
    auto held = m.try_lock();
    lock_slot a;
    a.emplace(m.lock());
    auto b = m.lock();
    EXPECT_TRUE(a->poll(acx).is_pending());
    EXPECT_TRUE(b.poll(bcx).is_pending());
    held.reset();
    EXPECT_EQ(aw.count(), 1u);
    EXPECT_EQ(bw.count(), 0u);
    a.reset();
    EXPECT_EQ(bw.count(), 1u);
    EXPECT_TRUE(b.poll(bcx).is_ready());
    EXPECT_TRUE(m.try_lock());
}

TEST(mutex, a_cancelled_waiter_before_the_unlock_is_skipped) {
    af::sync::mutex<int> m(0);
    af::test::wake_counter aw, bw;
    af::context acx(aw.waker()), bcx(bw.waker());
    auto held = m.try_lock();
    lock_slot a;
    a.emplace(m.lock());
    auto b = m.lock();
    EXPECT_TRUE(a->poll(acx).is_pending());
    EXPECT_TRUE(b.poll(bcx).is_pending());
    a.reset();
    EXPECT_EQ(bw.count(), 0u);
    held.reset();
    EXPECT_EQ(aw.count(), 0u);
    EXPECT_EQ(bw.count(), 1u);
    EXPECT_TRUE(b.poll(bcx).is_ready());
}

af::task<> increment(af::sync::mutex<long>& m, int times) {
    for (int i = 0; i < times; ++i) {
        auto g = co_await m.lock();
        long v = *g;
        if (i % 64 == 0) co_await af::yield_now();  // hold the lock across a suspension
        *g = v + 1;
    }
}

TEST(mutex, four_tasks_on_a_thread_pool_increment_without_losing_updates) {
    af::sync::mutex<long> m(0);
    {
        af::executor::thread_pool pool(4);
        std::vector<af::join_handle<void>> hs;
        for (int t = 0; t < 4; ++t) hs.push_back(pool.spawn(increment(m, 10'000)));
        for (auto& h : hs) af::block_on(std::move(h));
    }
    EXPECT_EQ(m.get_mut(), 40'000);
}

}  // namespace

}  // namespace sync_mutex_test
