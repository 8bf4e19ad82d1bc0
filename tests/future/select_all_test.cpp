// SPDX-License-Identifier: MIT
#include "af/future/select_all.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <concepts>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/future/never.hpp"
#include "af/future/ready.hpp"
#include "af/future/yield_now.hpp"
#include "af/test/assert_unmoved.hpp"
#include "af/test/drop_counter.hpp"
#include "af/test/manual_future.hpp"
#include "af/test/mock_task.hpp"
#include "af/test/pending_once.hpp"
#include "future/leaf.hpp"
#include "af/test/wake_counter.hpp"

namespace future_select_all_test {

namespace {

using af_test::leaf;
using af_test::leaf_state;

std::shared_ptr<leaf_state> make_state() { return std::make_shared<leaf_state>(); }

af::task<int> add_later(int a, int b) {
    co_await af::yield_now();
    co_return a + b;
}

}  // namespace
}  // namespace future_select_all_test

// `leaf` is a handle to shared state, so moving it after a poll is safe: opt in.
template <>
inline constexpr bool af::enable_movable_after_poll<future_select_all_test::leaf> = true;

namespace future_select_all_test {
namespace {

struct leaves {
    std::vector<std::shared_ptr<leaf_state>> st;
    std::vector<leaf> fs;
    explicit leaves(std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
            st.push_back(make_state());
            fs.emplace_back(st.back());
        }
    }
};

}  // namespace

static_assert(af::movable_after_poll<af::task<int>>);
static_assert(af::movable_after_poll<leaf>);
static_assert(!af::movable_after_poll<af::yield_now_future>, "futures must opt in");

TEST(select_all, gives_the_winner_its_index_and_the_rest_in_input_order) {
    leaves l(4);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::select_all(std::move(l.fs));
    EXPECT_TRUE(s.poll(cx).is_pending());
    l.st[2]->complete(22);
    auto p = s.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(p->value, 22);
    EXPECT_EQ(p->index, 2u);
    ASSERT_EQ(p->rest.size(), 3u);
    EXPECT_EQ(p->rest[0].s, l.st[0]);
    EXPECT_EQ(p->rest[1].s, l.st[1]);
    EXPECT_EQ(p->rest[2].s, l.st[3]);
    EXPECT_EQ(l.st[2]->drops, 1);
    EXPECT_EQ(l.st[0]->drops, 0) << "losers are handed back, not cancelled";
}

TEST(select_all, re_polls_only_the_woken_futures) {
    leaves l(100);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::select_all(std::move(l.fs));
    EXPECT_TRUE(s.poll(cx).is_pending());
    l.st[10]->wake();
    l.st[90]->wake();
    EXPECT_TRUE(s.poll(cx).is_pending());
    int total = 0;
    for (auto& st : l.st) total += st->polls;
    EXPECT_EQ(total, 102);
}

TEST(select_all, either_future_may_win_a_tie) {
    leaves l(3);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::select_all(std::move(l.fs));
    EXPECT_TRUE(s.poll(cx).is_pending());
    l.st[2]->complete(2);
    l.st[1]->complete(1);
    auto p = s.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_TRUE(p->index == 1u || p->index == 2u) << "a tie goes to either (fairness, issue 21)";
    EXPECT_EQ(static_cast<std::size_t>(p->value), p->index);
    EXPECT_EQ(p->rest.size(), 2u);
}

TEST(select_all, the_rest_can_be_raced_again_until_all_are_done) {
    leaves l(3);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    std::vector<leaf> fs = std::move(l.fs);
    std::vector<int> order;
    for (int k : {1, 2, 0}) {
        auto s = af::select_all(std::move(fs));
        EXPECT_TRUE(s.poll(cx).is_pending()) << "the new select_all re-registers every future";
        l.st[static_cast<std::size_t>(k)]->complete(k);
        auto p = s.poll(cx);
        ASSERT_TRUE(p.is_ready());
        order.push_back(p->value);
        fs = std::move(p->rest);
    }
    EXPECT_TRUE(fs.empty());
    EXPECT_EQ(order, (std::vector<int>{1, 2, 0}));
}

TEST(select_all, a_throwing_future_wins_and_the_others_are_destroyed) {
    leaves l(3);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::select_all(std::move(l.fs));
    EXPECT_TRUE(s.poll(cx).is_pending());
    l.st[1]->throw_next();
    EXPECT_THROW((void)s.poll(cx), std::runtime_error);
    for (auto& st : l.st) EXPECT_EQ(st->drops, 1);
}

TEST(select_all, destroying_it_cancels_every_future) {
    leaves l(3);
    af::test::wake_counter wc;
    {
        af::context cx(wc.waker());
        auto s = af::select_all(std::move(l.fs));
        EXPECT_TRUE(s.poll(cx).is_pending());
    }
    for (auto& st : l.st) EXPECT_EQ(st->drops, 1);
    EXPECT_EQ(wc.clones_alive(), 0u);
}

TEST(select_all, a_wake_from_another_thread_completes_it) {
    for (int r = 0; r < 50; ++r) {
        leaves l(8);
        af::test::wake_counter wc;
        af::context cx(wc.waker());
        auto s = af::select_all(std::move(l.fs));
        EXPECT_TRUE(s.poll(cx).is_pending());
        std::thread t([&] {
            l.st[3]->wake();
            l.st[6]->complete(6);
        });
        for (;;) {
            std::size_t seen = wc.count();
            auto p = s.poll(cx);
            if (p.is_ready()) {
                EXPECT_EQ(p->index, 6u);
                break;
            }
            while (wc.count() == seen) std::this_thread::yield();
        }
        t.join();
    }
}

TEST(select_all, works_under_co_await_with_tasks) {
    af::test::drop_counter drops;
    auto waiting = [](af::test::drop_counter::guard) -> af::task<int> {
        co_await af::never();
        co_return 0;
    };
    auto t = [&]() -> af::task<std::size_t> {
        std::vector<af::task<int>> fs;
        fs.push_back(waiting(drops.make()));
        fs.push_back(add_later(1, 2));
        auto r = co_await af::select_all(std::move(fs));
        EXPECT_EQ(r.value, 3);
        EXPECT_EQ(r.rest.size(), 1u);
        co_return r.index;
    };
    EXPECT_EQ(af::block_on(t()), 1u);
    EXPECT_EQ(drops.count(), 1) << "the rest dies with the task that held it";
}

// --- futures that do not opt in to af::movable_after_poll: kept in af::any_future slots --------

static_assert(std::same_as<af::select_all_slot<af::task<int>>, af::task<int>>, "the fast path");
static_assert(std::same_as<af::select_all_slot<af::ready_future<int>>, af::any_future<int>>);
static_assert(af::movable_after_poll<af::any_future<int>>, "a slot is its own slot");

TEST(select_all_any_future, races_ready_futures_without_an_opt_in) {
    std::vector<af::ready_future<int>> fs;
    for (int v : {10, 20, 30}) fs.push_back(af::ready(v));
    auto r = af::block_on(af::select_all(std::move(fs)));
    static_assert(std::same_as<decltype(r.rest), std::vector<af::any_future<int>>>);
    EXPECT_EQ(r.value, 10 * static_cast<int>(r.index + 1));
    ASSERT_EQ(r.rest.size(), 2u);
    std::vector<int> seen{r.value};
    for (auto& f : r.rest) seen.push_back(af::block_on(std::move(f)));
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(seen, (std::vector<int>{10, 20, 30}));
}

TEST(select_all_any_future, never_moves_a_polled_future) {
    // Every future is polled (pending) in the first round; the losers come back boxed, and the
    // next select_all over them moves only the boxes. assert_unmoved aborts on any other move.
    using fut = af::test::assert_unmoved_future<af::test::pending_once_future<af::ready_future<int>>>;
    std::vector<fut> fs;
    for (int v : {1, 2, 3}) fs.push_back(af::test::assert_unmoved(af::test::pending_once(af::ready(v))));
    af::test::mock_task t(af::select_all(std::move(fs)));
    af::test::assert_pending(t.poll());
    auto r = af::test::assert_ready(t.poll());
    std::vector<int> seen{r.value};
    std::vector<af::any_future<int>> rest = std::move(r.rest);
    while (!rest.empty()) {
        auto r2 = af::block_on(af::select_all(std::move(rest)));
        seen.push_back(r2.value);
        rest = std::move(r2.rest);
    }
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(seen, (std::vector<int>{1, 2, 3}));
}

TEST(select_all_any_future, mixed_pending_and_ready_gives_the_ready_one) {
    std::vector<af::test::manual_future<int>> ms(3);
    std::vector<af::test::manual_future<int>::future> fs;
    for (auto& m : ms) fs.push_back(m.get());
    af::test::mock_task t(af::select_all(std::move(fs)));
    af::test::assert_pending(t.poll());
    ms[1].set(7);
    EXPECT_TRUE(t.is_woken());
    auto r = af::test::assert_ready(t.poll());
    EXPECT_EQ(r.value, 7);
    EXPECT_EQ(r.index, 1u);
    ASSERT_EQ(r.rest.size(), 2u);
    EXPECT_TRUE(ms[0].future_alive() && ms[2].future_alive()) << "the losers are handed back, not cancelled";

    // The losers, still pending, race again; dropping that race cancels them.
    af::test::mock_task again(af::select_all(std::move(r.rest)));
    af::test::assert_pending(again.poll());
    again.reset();
    EXPECT_FALSE(ms[0].future_alive() || ms[2].future_alive()) << "dropping the select_all cancels what it holds";
}

TEST(select_all_any_future, void_outputs_give_a_monostate) {
    std::vector<af::ready_future<void>> fs(2);
    auto r = af::block_on(af::select_all(std::move(fs)));
    EXPECT_LT(r.index, 2u);
    EXPECT_EQ(r.rest.size(), 1u);
    af::block_on(std::move(r.rest[0]));
}

#ifndef NDEBUG
TEST(select_all_death, polling_after_ready_asserts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    leaves l(1);
    l.st[0]->value = 1;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::select_all(std::move(l.fs));
    EXPECT_TRUE(s.poll(cx).is_ready());
    EXPECT_DEATH((void)s.poll(cx), "polled after it completed");
}
#endif

}  // namespace future_select_all_test
