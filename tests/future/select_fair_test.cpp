// SPDX-License-Identifier: MIT
// Issue 21: a branch that is always ready must not starve its siblings in af::select.
#include "af/future/select.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <vector>

#include "af/channel/mpsc.hpp"
#include "af/core/coop.hpp"
#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/future/never.hpp"
#include "af/future/ready.hpp"
#include "af/future/select_all.hpp"
#include "af/future/yield_now.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "af/test/wake_counter.hpp"
#include "af/time/sleep.hpp"
#include "future/leaf.hpp"

namespace future_select_fair_test {

using namespace std::chrono_literals;

namespace {

using af_test::leaf;
using af_test::leaf_state;

// Index of the winner of a fresh select of two always-ready children, polled once.
template <class Make>
std::size_t winner_of(Make make) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = make();
    auto p = s.poll(cx);
    EXPECT_TRUE(p.is_ready());
    return p->index();
}

}  // namespace

TEST(select_fair, the_second_of_two_always_ready_children_wins_a_fair_share) {
    int second = 0;
    for (int i = 0; i < 100; ++i) second += winner_of([] { return af::select(af::ready(1), af::ready(2)); }) == 1;
    std::printf("select: the second child won %d of 100 polls\n", second);
    EXPECT_GE(second, 25);
    EXPECT_LE(second, 75);
}

TEST(select_fair, select_biased_always_picks_the_first_ready_child) {
    for (int i = 0; i < 100; ++i) {
        EXPECT_EQ(winner_of([] { return af::select_biased(af::ready(1), af::ready(2)); }), 0u);
    }
}

TEST(select_fair, a_long_lived_select_lets_every_woken_child_win_in_turn) {
    // Two leaves woken on every poll; each completes after its first win would be too quick, so
    // count who is polled first: a child polled first while ready wins.
    int b_first = 0;
    for (int r = 0; r < 100; ++r) {
        auto a = std::make_shared<leaf_state>(), b = std::make_shared<leaf_state>();
        af::test::wake_counter wc;
        af::context cx(wc.waker());
        auto s = af::select(leaf(a), leaf(b));
        EXPECT_TRUE(s.poll(cx).is_pending());
        a->complete(1);
        b->complete(2);
        auto p = s.poll(cx);
        ASSERT_TRUE(p.is_ready());
        b_first += p->index() == 1;
    }
    EXPECT_GE(b_first, 25) << "the woken children are polled from a rotating start";
}

TEST(select_fair, a_child_below_the_start_is_polled_in_the_same_round) {
    // Whatever the start, a poll reaches every child that needs it before returning pending.
    for (int r = 0; r < 50; ++r) {
        af::test::wake_counter wc;
        af::context cx(wc.waker());
        auto first = af::select(af::ready(7), af::never<int>(), af::never<int>());
        auto p = first.poll(cx);
        ASSERT_TRUE(p.is_ready());
        EXPECT_EQ(p->index(), 0u);

        auto a = std::make_shared<leaf_state>(), b = std::make_shared<leaf_state>(),
             c = std::make_shared<leaf_state>();
        auto s = af::select(leaf(a), leaf(b), leaf(c));
        EXPECT_TRUE(s.poll(cx).is_pending());
        EXPECT_EQ(a->polls + b->polls + c->polls, 3) << "the first round polls every child once";
        a->complete(1);
        auto q = s.poll(cx);
        ASSERT_TRUE(q.is_ready());
        EXPECT_EQ(q->index(), 0u);
        EXPECT_EQ(b->polls + c->polls, 2) << "only the woken child is polled again";
    }
}

TEST(select_fair, select_all_gives_every_ready_future_a_share) {
    int later = 0;
    for (int r = 0; r < 100; ++r) {
        std::vector<af::task<int>> fs;
        for (int i = 0; i < 2; ++i) fs.push_back([](int v) -> af::task<int> { co_return v; }(i));
        af::test::wake_counter wc;
        af::context cx(wc.waker());
        auto s = af::select_all(std::move(fs));
        auto p = s.poll(cx);
        ASSERT_TRUE(p.is_ready());
        EXPECT_EQ(static_cast<std::size_t>(p->value), p->index);
        later += p->index == 1;
    }
    EXPECT_GE(later, 25);
}

TEST(select_fair, the_same_seed_replays_the_same_choices) {
    auto run = [] {
        af::detail::reseed_select(42);
        std::vector<std::size_t> won;
        for (int i = 0; i < 64; ++i) won.push_back(winner_of([] { return af::select(af::ready(1), af::ready(2)); }));
        return won;
    };
    EXPECT_EQ(run(), run());
}

namespace {

// Always ready, but spends the cooperative budget as a read from a flooded socket does.
struct flooded_read {
    using output = int;
    af::poll<int> poll(af::context& cx) {
        if (!af::coop::poll_proceed(cx)) return af::pending;
        return 1;
    }
};

// The read loop: handles lines for as long as they come (here: up to `limit`).
af::task<long> read_loop(long limit) {
    long lines = 0;
    while (lines < limit) {
        flooded_read r;
        lines += co_await r;
    }
    co_return lines;
}

struct progress {
    std::atomic<int> sibling_steps{0};
    std::atomic<int> ticks{0};
};

// The sibling branch: waits for a sibling task, then for the timers, through channels.
af::task<int> wait_for_siblings(af::channel::mpsc::receiver<int> from_task, af::channel::mpsc::receiver<int> from_timer) {
    auto a = co_await from_task.recv();
    auto b = co_await from_timer.recv();
    co_return a.value_or(0) + b.value_or(0);
}

af::task<int> flooded_select(progress& p) {
    auto [task_tx, task_rx] = af::channel::mpsc::unbounded<int>();
    auto [timer_tx, timer_rx] = af::channel::mpsc::unbounded<int>();
    af::rt::spawn([](af::channel::mpsc::sender<int> tx, progress& p) -> af::task<void> {
        for (int i = 0; i < 200; ++i) {
            co_await af::yield_now();
            ++p.sibling_steps;
        }
        (void)tx.try_send(1);
    }(task_tx, p));
    af::rt::spawn([](af::channel::mpsc::sender<int> tx, progress& p) -> af::task<void> {
        for (int i = 0; i < 3; ++i) {
            co_await af::time::sleep(1ms);
            ++p.ticks;
        }
        (void)tx.try_send(2);
    }(timer_tx, p));
    // 20 million lines take seconds; the sibling branch needs a few milliseconds when it runs.
    auto won = co_await af::select(read_loop(20'000'000), wait_for_siblings(std::move(task_rx), std::move(timer_rx)));
    std::printf("flooded select: branch %zu won\n", won.index());
    co_return static_cast<int>(won.index());
}

void expect_the_sibling_branch_wins(af::rt::runtime rt) {
    progress p;
    int won = rt.block_on([&]() -> af::task<int> { co_return co_await af::rt::spawn(flooded_select(p)); });
    EXPECT_EQ(won, 1) << "the flooded reader starved its sibling branch";
    EXPECT_EQ(p.sibling_steps.load(), 200) << "a sibling task kept running";
    EXPECT_EQ(p.ticks.load(), 3) << "the timers kept running";
}

// A seeded current_thread runtime replays select's choices: the same seed gives the same
// winners, whatever selects ran on the thread before; another seed gives other ones.
TEST(select_fair, a_seeded_runtime_replays_the_same_choices) {
    auto winners = [](std::uint64_t seed) {
        af::rt::runtime rt = af::rt::builder().current_thread().rng_seed(seed).build();
        return rt.block_on([]() -> af::task<std::vector<std::size_t>> {
            std::vector<std::size_t> w;
            for (int i = 0; i < 50; ++i) {
                auto r = co_await af::select(af::ready(1), af::ready(2), af::ready(3));
                w.push_back(r.index());
            }
            co_return w;
        });
    };
    std::vector<std::size_t> a = winners(7);
    for (int i = 0; i < 13; ++i) (void)af::block_on(af::select(af::ready(1), af::ready(2)));
    EXPECT_EQ(winners(7), a);
    EXPECT_NE(winners(8), a);
}

}  // namespace

TEST(select_fair, a_flooded_reader_lets_its_sibling_branch_a_task_and_timers_run_current_thread) {
    expect_the_sibling_branch_wins(af::rt::builder().current_thread().enable_time().build());
}

TEST(select_fair, a_flooded_reader_lets_its_sibling_branch_a_task_and_timers_run_seeded) {
    expect_the_sibling_branch_wins(af::rt::builder().current_thread().rng_seed(21).enable_time().build());
}

TEST(select_fair, a_flooded_reader_lets_its_sibling_branch_a_task_and_timers_run_on_one_worker) {
    expect_the_sibling_branch_wins(af::rt::builder().multi_thread().worker_threads(1).enable_time().build());
}

}  // namespace future_select_fair_test
