// SPDX-License-Identifier: MIT
#include "af/sync/barrier.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <vector>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/executor/thread_pool.hpp"
#include "af/test/wake_counter.hpp"

namespace sync_barrier_test {

namespace {

using af::sync::barrier;

TEST(barrier, the_last_arrival_is_the_leader_and_wakes_the_others) {
    barrier b(3);
    af::test::wake_counter w1, w2, w3;
    af::context c1(w1.waker()), c2(w2.waker()), c3(w3.waker());
    auto a = b.wait();
    auto c = b.wait();
    auto d = b.wait();
    EXPECT_TRUE(a.poll(c1).is_pending());
    EXPECT_TRUE(c.poll(c2).is_pending());
    EXPECT_TRUE(a.poll(c1).is_pending());
    EXPECT_EQ(w1.count() + w2.count(), 0u);
    auto leader = d.poll(c3);
    ASSERT_TRUE(leader.is_ready());
    EXPECT_TRUE(leader.value());
    EXPECT_EQ(w1.count(), 1u);
    EXPECT_EQ(w2.count(), 1u);
    auto pa = a.poll(c1);
    auto pc = c.poll(c2);
    ASSERT_TRUE(pa.is_ready() && pc.is_ready());
    EXPECT_FALSE(pa.value());
    EXPECT_FALSE(pc.value());
}

TEST(barrier, is_reusable_for_the_next_round) {
    barrier b(2);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    for (int round = 0; round < 3; ++round) {
        auto a = b.wait();
        auto c = b.wait();
        EXPECT_TRUE(a.poll(cx).is_pending());
        EXPECT_TRUE(c.poll(cx).value());
        EXPECT_FALSE(a.poll(cx).value());
    }
}

TEST(barrier, of_size_zero_or_one_never_waits) {
    barrier b(0);
    EXPECT_EQ(b.size(), 1u);
    EXPECT_TRUE(af::block_on(b.wait()));
}

TEST(barrier, a_cancelled_arrival_is_taken_back) {
    barrier b(2);
    af::test::wake_counter w1, w2;
    af::context c1(w1.waker()), c2(w2.waker());
    std::optional<barrier::wait_future> gone;
    gone.emplace(b.wait());
    EXPECT_TRUE(gone->poll(c1).is_pending());
    gone.reset();
    auto a = b.wait();
    EXPECT_TRUE(a.poll(c2).is_pending());  // still needs a second live task
    auto c = b.wait();
    EXPECT_TRUE(c.poll(c1).value());
    EXPECT_EQ(w2.count(), 1u);
    EXPECT_FALSE(a.poll(c2).value());
}

af::task<bool> arrive(barrier& b, std::atomic<int>& before, std::atomic<int>& bad, int n) {
    before.fetch_add(1);
    bool leader = co_await b.wait();
    if (before.load() != n) bad.fetch_add(1);  // someone passed before everyone arrived
    co_return leader;
}

TEST(barrier, tasks_on_a_thread_pool_pass_together_with_one_leader) {
    constexpr int n = 8;
    barrier b(n);
    std::atomic<int> before{0}, bad{0};
    af::executor::thread_pool pool(4);
    std::vector<af::join_handle<bool>> hs;
    for (int i = 0; i < n; ++i) hs.push_back(pool.spawn(arrive(b, before, bad, n)));
    int leaders = 0;
    for (auto& h : hs) leaders += af::block_on(std::move(h)) ? 1 : 0;
    EXPECT_EQ(leaders, 1);
    EXPECT_EQ(bad.load(), 0);
}

}  // namespace

}  // namespace sync_barrier_test
