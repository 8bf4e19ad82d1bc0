// SPDX-License-Identifier: MIT
#include "af/sync/rwlock.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <vector>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/executor/thread_pool.hpp"
#include "af/future/yield_now.hpp"
#include "af/test/wake_counter.hpp"

namespace sync_rwlock_test {

namespace {

using lock = af::sync::rwlock<int>;

TEST(rwlock, many_readers_share_and_a_writer_excludes_them) {
    lock l(5);
    auto r1 = l.try_read();
    auto r2 = l.try_read();
    ASSERT_TRUE(r1 && r2);
    EXPECT_EQ(**r1 + **r2, 10);
    EXPECT_FALSE(l.try_write());
    r1.reset();
    r2.reset();
    auto w = l.try_write();
    ASSERT_TRUE(w);
    **w = 6;
    EXPECT_FALSE(l.try_read());
    w.reset();
    EXPECT_EQ(*af::block_on(l.read()), 6);
}

TEST(rwlock, a_queued_writer_holds_back_later_readers) {
    lock l(0);
    af::test::wake_counter ww, rw;
    af::context wcx(ww.waker()), rcx(rw.waker());
    auto r1 = l.try_read();
    auto w = l.write();
    EXPECT_TRUE(w.poll(wcx).is_pending());
    EXPECT_FALSE(l.try_read());  // writer-preferring: no new reader jumps the queue
    auto r2 = l.read();
    EXPECT_TRUE(r2.poll(rcx).is_pending());
    r1.reset();
    EXPECT_EQ(ww.count(), 1u);
    EXPECT_EQ(rw.count(), 0u);
    {
        auto g = w.poll(wcx);
        ASSERT_TRUE(g.is_ready());
        *g.value() = 1;
    }
    EXPECT_EQ(rw.count(), 1u);
    auto g = r2.poll(rcx);
    ASSERT_TRUE(g.is_ready());
    EXPECT_EQ(*g.value(), 1);
}

TEST(rwlock, readers_queued_behind_a_writer_are_admitted_together) {
    lock l(0);
    auto w = l.try_write();
    std::vector<af::test::wake_counter> wc(3);
    std::vector<std::optional<lock::read_future>> rs(3);
    for (int i = 0; i < 3; ++i) {
        rs[i].emplace(l.read());
        af::context cx(wc[i].waker());
        EXPECT_TRUE(rs[i]->poll(cx).is_pending());
    }
    w.reset();
    for (auto& c : wc) EXPECT_EQ(c.count(), 1u);
}

TEST(rwlock, a_cancelled_queued_writer_releases_the_readers_behind_it) {
    lock l(0);
    af::test::wake_counter ww, rw;
    af::context wcx(ww.waker()), rcx(rw.waker());
    auto r1 = l.try_read();
    std::optional<lock::write_future> w;
    w.emplace(l.write());
    EXPECT_TRUE(w->poll(wcx).is_pending());  // holds max_readers - 1 permits as the head
    auto r2 = l.read();
    EXPECT_TRUE(r2.poll(rcx).is_pending());
    w.reset();
    EXPECT_EQ(rw.count(), 1u);
    EXPECT_TRUE(r2.poll(rcx).is_ready());
    EXPECT_TRUE(l.try_write() == std::nullopt);  // r1 is still reading
    r1.reset();
    EXPECT_TRUE(l.try_write());
}

af::task<> writer(lock& l, int times) {
    for (int i = 0; i < times; ++i) {
        auto g = co_await l.write();
        int v = *g;
        if (i % 32 == 0) co_await af::yield_now();
        *g = v + 1;
    }
}

af::task<> reader(lock& l, int times, std::atomic<int>& bad) {
    for (int i = 0; i < times; ++i) {
        auto g = co_await l.read();
        int a = *g;
        if (i % 32 == 0) co_await af::yield_now();
        if (*g != a) bad.fetch_add(1);  // a writer got in while we read
    }
}

TEST(rwlock, readers_and_writers_on_a_thread_pool_see_consistent_values) {
    lock l(0);
    std::atomic<int> bad{0};
    {
        af::executor::thread_pool pool(4);
        std::vector<af::join_handle<void>> hs;
        for (int t = 0; t < 2; ++t) hs.push_back(pool.spawn(writer(l, 3000)));
        for (int t = 0; t < 2; ++t) hs.push_back(pool.spawn(reader(l, 3000, bad)));
        for (auto& h : hs) af::block_on(std::move(h));
    }
    EXPECT_EQ(l.get_mut(), 6000);
    EXPECT_EQ(bad.load(), 0);
}

}  // namespace

}  // namespace sync_rwlock_test
