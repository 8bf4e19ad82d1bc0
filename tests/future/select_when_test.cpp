// SPDX-License-Identifier: MIT
// Conditional select branches (issue 22): af::when(cond, f) disables a branch; a disabled
// branch is never polled and never wins; all branches disabled throws instead of hanging; the
// fair start is drawn among the enabled branches.
#include "af/future/select.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstddef>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/future/ready.hpp"
#include "af/test/manual_future.hpp"
#include "af/test/mock_task.hpp"

namespace future_select_when_test {

TEST(select_when, a_disabled_branch_is_never_polled_and_never_wins) {
    af::test::manual_future<int> off, on;
    af::test::mock_task t(af::select(af::when(false, off.get()), af::when(true, on.get())));
    af::test::assert_pending(t.poll());
    EXPECT_EQ(off.polls(), 0);
    EXPECT_FALSE(off.future_alive()) << "a disabled branch is dropped when the select is made";
    EXPECT_EQ(on.polls(), 1);
    off.set(1);
    EXPECT_FALSE(t.is_woken());
    on.set(2);
    EXPECT_TRUE(t.is_woken());
    auto won = af::test::assert_ready(t.poll());
    EXPECT_EQ(won.index(), 1u);
    EXPECT_EQ(std::get<1>(won), 2);
}

TEST(select_when, every_branch_disabled_throws_on_the_first_poll_instead_of_hanging) {
    af::test::manual_future<int> a, b;
    af::test::mock_task t(af::select(af::when(false, a.get()), af::when(false, b.get())));
    EXPECT_THROW((void)t.poll(), af::all_branches_disabled);
    EXPECT_EQ(a.polls() + b.polls(), 0);
    // In a task, as a select loop meets it: the error reaches the awaiting coroutine.
    auto body = []() -> af::task<bool> {
        try {
            auto s = af::select_biased(af::when(false, af::ready(1)));
            (void)co_await std::move(s);
        } catch (const af::all_branches_disabled&) {
            co_return true;
        }
        co_return false;
    };
    EXPECT_TRUE(af::block_on(body()));
}

TEST(select_when, a_disabled_first_branch_lets_select_biased_take_the_next) {
    af::test::mock_task t(af::select_biased(af::when(false, af::ready(1)), af::ready(2)));
    EXPECT_EQ(af::test::assert_ready(t.poll()).index(), 1u);
}

TEST(select_when, ready_enabled_branches_share_wins_evenly_around_a_disabled_one) {
    // Branches 0 and 2 are always ready, branch 1 is disabled. Drawing the start over all three
    // would hand branch 2 two starts in three; drawn over the enabled ones it is one in two.
    std::array<int, 3> wins{};
    for (int i = 0; i < 2000; ++i) {
        af::test::mock_task t(
            af::select(af::when(true, af::ready(0)), af::when(false, af::ready(1)), af::ready(2)));
        ++wins[af::test::assert_ready(t.poll()).index()];
    }
    EXPECT_EQ(wins[1], 0);
    EXPECT_GT(wins[0], 850);
    EXPECT_GT(wins[2], 850);
}

TEST(select_when, an_enabled_when_future_awaited_alone_is_its_future) {
    auto body = []() -> af::task<int> {
        auto w = af::when(true, af::ready(41));
        co_return co_await std::move(w) + 1;
    };
    EXPECT_EQ(af::block_on(body()), 42);
}

}  // namespace future_select_when_test
