// SPDX-License-Identifier: MIT
#include "af/future/futures_unordered.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/future/never.hpp"
#include "af/future/yield_now.hpp"
#include "af/test/drop_counter.hpp"
#include "future/leaf.hpp"
#include "af/test/wake_counter.hpp"

namespace future_futures_unordered_test {

namespace {

using af_test::leaf;
using af_test::leaf_state;

std::shared_ptr<leaf_state> make_state() { return std::make_shared<leaf_state>(); }


}  // namespace

namespace {

struct leaf_set {
    std::vector<std::shared_ptr<leaf_state>> st;
    af::futures_unordered<leaf> set;
    explicit leaf_set(std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
            st.push_back(make_state());
            set.push(leaf(st.back()));
        }
    }
    int total_polls() const {
        int t = 0;
        for (auto& s : st) t += s->polls;
        return t;
    }
};

}  // namespace

TEST(futures_unordered, an_empty_set_is_ready_with_nullopt) {
    af::futures_unordered<leaf> set;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(set.empty());
    auto p = set.poll_next(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_FALSE(p->has_value());
    EXPECT_EQ(wc.clones_alive(), 0u);
}

TEST(futures_unordered, gives_outputs_in_completion_order) {
    leaf_set l(4);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(l.set.poll_next(cx).is_pending());
    EXPECT_EQ(l.total_polls(), 4);
    std::vector<int> out;
    for (std::size_t k : {2u, 0u, 3u, 1u}) {
        l.st[k]->complete(static_cast<int>(k));
        auto p = l.set.poll_next(cx);
        ASSERT_TRUE(p.is_ready());
        out.push_back(**p);
        EXPECT_EQ(l.st[k]->drops, 1) << "a finished future is freed at once";
    }
    EXPECT_EQ(out, (std::vector<int>{2, 0, 3, 1}));
    EXPECT_TRUE(l.set.empty());
    auto end = l.set.poll_next(cx);
    ASSERT_TRUE(end.is_ready());
    EXPECT_FALSE(end->has_value());
}

TEST(futures_unordered, a_poll_costs_the_number_of_woken_futures) {
    leaf_set l(1000);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(l.set.poll_next(cx).is_pending());
    EXPECT_EQ(l.total_polls(), 1000);
    EXPECT_TRUE(l.set.poll_next(cx).is_pending());
    EXPECT_EQ(l.total_polls(), 1000) << "nothing woken, nothing polled";
    l.st[1]->wake();
    l.st[500]->wake();
    l.st[999]->wake();
    l.st[500]->wake();  // a second wake before the poll changes nothing
    EXPECT_TRUE(l.set.poll_next(cx).is_pending());
    EXPECT_EQ(l.total_polls(), 1003);
    EXPECT_EQ(l.st[500]->polls, 2);
}

TEST(futures_unordered, serves_wakes_first_come_first_served) {
    leaf_set l(3);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(l.set.poll_next(cx).is_pending());
    l.st[2]->complete(2);
    l.st[0]->complete(0);
    auto p = l.set.poll_next(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(**p, 2);
    EXPECT_EQ(l.st[0]->polls, 1) << "the second woken future waits for the next call";
    auto q = l.set.poll_next(cx);
    ASSERT_TRUE(q.is_ready());
    EXPECT_EQ(**q, 0);
}

TEST(futures_unordered, a_self_waking_future_does_not_starve_the_caller_or_the_others) {
    leaf_set l(2);
    l.st[0]->spin = true;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    std::size_t wakes_before = wc.count();
    EXPECT_TRUE(l.set.poll_next(cx).is_pending()) << "poll_next must return despite the spinner";
    EXPECT_EQ(l.total_polls(), 2) << "at most size() polls per call";
    EXPECT_GT(wc.count(), wakes_before) << "it yields by waking its own waker";
    l.st[1]->complete(7);
    for (int i = 0; i < 3; ++i) {
        auto p = l.set.poll_next(cx);
        if (p.is_ready()) {
            EXPECT_EQ(**p, 7);
            EXPECT_EQ(l.st[1]->drops, 1);
            return;
        }
    }
    FAIL() << "the completed future was starved by the self-waking one";
}

TEST(futures_unordered, a_throwing_future_is_removed_and_the_others_stay) {
    leaf_set l(2);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(l.set.poll_next(cx).is_pending());
    l.st[0]->throw_next();
    EXPECT_THROW((void)l.set.poll_next(cx), std::runtime_error);
    EXPECT_EQ(l.set.size(), 1u);
    EXPECT_EQ(l.st[0]->drops, 1);
    l.st[1]->complete(1);
    auto p = l.set.poll_next(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(**p, 1);
}

TEST(futures_unordered, destroying_it_cancels_every_pending_future_once) {
    std::vector<std::shared_ptr<leaf_state>> st;
    af::test::wake_counter wc;
    {
        leaf_set l(5);
        st = l.st;
        af::context cx(wc.waker());
        EXPECT_TRUE(l.set.poll_next(cx).is_pending());
        st[1]->complete(1);
        st[3]->wake();  // queued when the set dies
        ASSERT_TRUE(l.set.poll_next(cx).is_ready());
    }
    for (auto& s : st) EXPECT_EQ(s->drops, 1);
    EXPECT_EQ(wc.clones_alive(), 0u);
}

TEST(futures_unordered, clear_cancels_and_the_set_stays_usable) {
    leaf_set l(3);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(l.set.poll_next(cx).is_pending());
    l.st[0]->wake();
    l.set.clear();
    EXPECT_TRUE(l.set.empty());
    for (auto& s : l.st) EXPECT_EQ(s->drops, 1);
    auto a = make_state();
    a->value = 5;
    l.set.push(leaf(a));
    auto p = l.set.poll_next(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(**p, 5);
}

TEST(futures_unordered, wakers_held_by_another_thread_outlive_the_set) {
    std::vector<std::shared_ptr<leaf_state>> st;
    std::atomic<int> phase{0};
    std::thread t;
    {
        leaf_set l(16);
        st = l.st;
        af::test::wake_counter wc;
        af::context cx(wc.waker());
        EXPECT_TRUE(l.set.poll_next(cx).is_pending());
        std::vector<af::waker> kept;
        for (auto& s : st) {
            std::lock_guard lk(s->m);
            kept.push_back(std::move(*s->waiter));
            s->waiter.reset();
        }
        t = std::thread([kept = std::move(kept), &phase]() mutable {
            while (phase.load() == 0) std::this_thread::yield();
            for (auto& w : kept) w.wake_by_ref();  // the set is gone
            kept.clear();                          // the last references: frees the nodes
        });
    }
    for (auto& s : st) EXPECT_EQ(s->drops, 1) << "the set's death cancelled every future";
    phase = 1;
    t.join();
}

TEST(futures_unordered, the_set_dies_while_another_thread_wakes_its_futures) {
    for (int r = 0; r < 20; ++r) {
        std::vector<af::waker> kept;
        std::atomic<bool> stop{false};
        std::thread t;
        {
            leaf_set l(8);
            af::test::wake_counter wc;
            af::context cx(wc.waker());
            EXPECT_TRUE(l.set.poll_next(cx).is_pending());
            for (auto& s : l.st) {
                kept.push_back(*s->waiter);
                std::lock_guard lk(s->m);
                s->waiter.reset();
            }
            t = std::thread([&kept, &stop] {
                while (!stop.load()) {
                    for (auto& w : kept) w.wake_by_ref();
                }
                for (auto& w : kept) w.wake_by_ref();
                kept.clear();
            });
            (void)l.set.poll_next(cx);
        }  // destroyed mid-wakes
        stop = true;
        t.join();
    }
}

TEST(futures_unordered, handles_ten_thousand_futures) {
    constexpr std::size_t n = 10000;
    leaf_set l(n);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(l.set.poll_next(cx).is_pending());
    std::thread t([&] {
        for (std::size_t i = 0; i < n; ++i) l.st[n - 1 - i]->complete(static_cast<int>(n - 1 - i));
    });
    std::size_t got = 0;
    long long sum = 0;
    for (;;) {
        std::size_t seen = wc.count();
        auto p = l.set.poll_next(cx);
        if (p.is_ready()) {
            if (!p->has_value()) break;
            ++got;
            sum += **p;
            continue;
        }
        while (wc.count() == seen) std::this_thread::yield();
    }
    t.join();
    EXPECT_EQ(got, n);
    EXPECT_EQ(sum, static_cast<long long>(n) * (n - 1) / 2);
    EXPECT_LE(l.total_polls(), static_cast<int>(3 * n)) << "each future is polled about twice";
}

TEST(futures_unordered, next_works_in_a_while_loop_in_a_task) {
    auto t = []() -> af::task<std::vector<int>> {
        af::futures_unordered<af::task<int>> set;
        auto slow = [](int v, int yields) -> af::task<int> {
            for (int i = 0; i < yields; ++i) co_await af::yield_now();
            co_return v;
        };
        set.push(slow(3, 3));
        set.push(slow(1, 1));
        set.push(slow(2, 2));
        std::vector<int> out;
        while (auto v = co_await set.next()) out.push_back(*v);
        co_return out;
    };
    EXPECT_EQ(af::block_on(t()), (std::vector<int>{1, 2, 3}));
}

TEST(futures_unordered, may_be_moved_between_polls) {
    leaf_set l(2);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(l.set.poll_next(cx).is_pending());
    af::futures_unordered<leaf> moved(std::move(l.set));
    l.st[1]->complete(1);
    auto p = moved.poll_next(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(**p, 1);
    EXPECT_EQ(moved.size(), 1u);
}

}  // namespace future_futures_unordered_test
