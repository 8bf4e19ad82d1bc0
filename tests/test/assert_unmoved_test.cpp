// SPDX-License-Identifier: MIT
#include "af/test/assert_unmoved.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <new>
#include <tuple>
#include <utility>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/future/join.hpp"
#include "af/future/ready.hpp"
#include "af/test/mock_task.hpp"
#include "af/test/pending_once.hpp"

namespace test_assert_unmoved_test {

namespace {

// Ready on the second poll, after waking itself once.
auto slow(int v) { return af::test::assert_unmoved(af::test::pending_once(af::ready(v))); }

TEST(assert_unmoved, passes_a_future_polled_in_place) {
    auto f = slow(3);
    af::test::mock_task<> t;
    af::test::assert_pending(t.poll(f));
    EXPECT_TRUE(f.polled());
    EXPECT_EQ(af::test::assert_ready(t.poll(f)), 3);
}

TEST(assert_unmoved, allows_moves_before_the_first_poll) {
    auto f = slow(4);
    auto g = std::move(f);
    auto h = std::move(g);
    EXPECT_EQ(af::block_on(std::move(h)), 4);
}

TEST(assert_unmoved, holds_in_a_task_and_in_join) {
    auto t = []() -> af::task<int> { co_return co_await slow(1) + co_await slow(2); };
    EXPECT_EQ(af::block_on(t()), 3);
    auto [a, b] = af::block_on(af::join(slow(5), slow(6)));
    EXPECT_EQ(a + b, 11);
}

TEST(assert_unmoved, holds_in_a_mock_task_that_is_moved) {
    af::test::mock_task t(slow(7));
    af::test::assert_pending(t.poll());
    af::test::mock_task moved(std::move(t));  // moves the heap slot's owner, not the future
    EXPECT_EQ(af::test::assert_ready(moved.poll()), 7);
}

TEST(assert_unmoved_death, aborts_when_moved_after_the_first_poll) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            auto f = slow(1);
            af::test::mock_task<> t;
            (void)t.poll(f);
            auto g = std::move(f);
            (void)g;
        },
        "af::test::assert_unmoved: the future was moved after its first poll");
}

TEST(assert_unmoved_death, aborts_when_polled_at_a_new_address) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    // A relocation that bypasses the move constructor (as a memcpy-based container would).
    EXPECT_DEATH(
        {
            using fut = decltype(slow(1));
            alignas(fut) unsigned char a[sizeof(fut)];
            alignas(fut) unsigned char b[sizeof(fut)];
            auto* f = new (a) fut(slow(1));
            af::test::mock_task<> t;
            (void)t.poll(*f);
            std::memcpy(b, a, sizeof(fut));
            (void)t.poll(*std::launder(reinterpret_cast<fut*>(b)));
        },
        "relocated \\(polled at a new address\\)");
}

}  // namespace

}  // namespace test_assert_unmoved_test
