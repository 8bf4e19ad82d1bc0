// SPDX-License-Identifier: MIT
#include "af/core/waker.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "af/core/context.hpp"

namespace core_waker_test {

namespace {

// A hand-written vtable over a counter block, to check each vtable entry is called as specified.
struct counters {
    std::atomic<int> refs{1};
    std::atomic<int> clones{0}, wakes{0}, wakes_by_ref{0}, drops{0};
};

af::raw_waker clone_fn(void* p);
void wake_fn(void* p) {
    auto* c = static_cast<counters*>(p);
    c->wakes.fetch_add(1);
    c->refs.fetch_sub(1);
}
void wake_by_ref_fn(void* p) { static_cast<counters*>(p)->wakes_by_ref.fetch_add(1); }
void drop_fn(void* p) {
    auto* c = static_cast<counters*>(p);
    c->drops.fetch_add(1);
    c->refs.fetch_sub(1);
}
constexpr af::raw_waker_vtable vtable{&clone_fn, &wake_fn, &wake_by_ref_fn, &drop_fn};
af::raw_waker clone_fn(void* p) {
    auto* c = static_cast<counters*>(p);
    c->clones.fetch_add(1);
    c->refs.fetch_add(1);
    return {p, &vtable};
}

TEST(waker, is_two_words) { static_assert(sizeof(af::waker) == 2 * sizeof(void*)); }

TEST(waker, copy_clones_and_destruction_drops) {
    counters c;
    {
        af::waker w = af::waker::from_raw({&c, &vtable});
        af::waker w2 = w;
        EXPECT_EQ(c.clones, 1);
        EXPECT_EQ(c.refs, 2);
        EXPECT_TRUE(w.will_wake(w2));
    }
    EXPECT_EQ(c.drops, 2);
    EXPECT_EQ(c.refs, 0);
}

TEST(waker, wake_consumes_and_wake_by_ref_does_not) {
    counters c;
    {
        af::waker w = af::waker::from_raw({&c, &vtable});
        w.wake_by_ref();
        w.wake_by_ref();
        EXPECT_EQ(c.wakes_by_ref, 2);
        std::move(w).wake();
        EXPECT_EQ(c.wakes, 1);
        EXPECT_EQ(c.refs, 0);
        w.wake_by_ref();  // a consumed waker is a no-op waker
        EXPECT_EQ(c.wakes_by_ref, 2);
    }
    EXPECT_EQ(c.drops, 0);  // wake consumed the only reference; nothing left to drop
}

TEST(waker, move_leaves_a_noop_waker_behind) {
    counters c;
    af::waker w = af::waker::from_raw({&c, &vtable});
    af::waker moved = std::move(w);
    w.wake_by_ref();  // NOLINT(bugprone-use-after-move): documented to be a no-op
    EXPECT_EQ(c.wakes_by_ref, 0);
    moved.wake_by_ref();
    EXPECT_EQ(c.wakes_by_ref, 1);
}

TEST(waker, assignment_skips_the_clone_when_it_would_wake_the_same_task) {
    counters c;
    af::waker a = af::waker::from_raw({&c, &vtable});
    af::waker b = a;
    EXPECT_EQ(c.clones, 1);
    b = a;
    EXPECT_EQ(c.clones, 1);
    af::waker n = af::waker::noop();
    n = a;
    EXPECT_EQ(c.clones, 2);
    EXPECT_FALSE(af::waker::noop().will_wake(a));
}

TEST(waker, into_raw_releases_ownership) {
    counters c;
    af::raw_waker raw;
    {
        af::waker w = af::waker::from_raw({&c, &vtable});
        raw = std::move(w).into_raw();
    }
    EXPECT_EQ(c.drops, 0);
    af::waker back = af::waker::from_raw(raw);
    EXPECT_EQ(back.as_raw().data, &c);
}

TEST(waker, noop_waker_costs_nothing_and_does_nothing) {
    af::waker w = af::waker::noop();
    af::waker copy = w;
    copy.wake_by_ref();
    std::move(copy).wake();
    EXPECT_TRUE(w.will_wake(af::waker::noop()));
}

TEST(waker, clones_can_be_woken_and_dropped_from_many_threads) {
    counters c;
    {
        af::waker w = af::waker::from_raw({&c, &vtable});
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([copy = w]() mutable {
                for (int i = 0; i < 1000; ++i) {
                    af::waker again = copy;
                    again.wake_by_ref();
                    std::move(again).wake();
                }
            });
        }
        for (auto& t : threads) t.join();
    }
    EXPECT_EQ(c.wakes, 4000);
    EXPECT_EQ(c.wakes_by_ref, 4000);
    EXPECT_EQ(c.refs, 0);
}

TEST(context, exposes_the_waker_it_was_built_with) {
    counters c;
    af::waker w = af::waker::from_raw({&c, &vtable});
    af::context cx(w);
    EXPECT_TRUE(cx.waker().will_wake(w));
    cx.waker().wake_by_ref();
    EXPECT_EQ(c.wakes_by_ref, 1);
}

// A plain class, not derived from anything: all af::waker::from(std::shared_ptr) needs is wake().
struct flag {
    std::atomic<int> wakes{0};
    void wake() { wakes.fetch_add(1); }
};

TEST(waker_from_shared_ptr, holds_one_reference_for_all_its_clones) {
    auto f = std::make_shared<flag>();
    {
        af::waker w = af::waker::from(f);
        EXPECT_EQ(f.use_count(), 2);
        af::waker c = w;  // a clone shares the node: no new reference, no allocation
        EXPECT_EQ(f.use_count(), 2);
        EXPECT_TRUE(c.will_wake(w));
        af::waker other = af::waker::from(f);
        EXPECT_EQ(f.use_count(), 3);
        EXPECT_FALSE(other.will_wake(w)) << "each from() makes its own node";
    }
    EXPECT_EQ(f.use_count(), 1);
}

TEST(waker_from_shared_ptr, keeps_the_target_alive_after_the_last_shared_ptr) {
    std::weak_ptr<flag> weak;
    af::waker w = af::waker::noop();
    {
        auto f = std::make_shared<flag>();
        weak = f;
        w = af::waker::from(std::move(f));
    }
    ASSERT_FALSE(weak.expired());
    w.wake_by_ref();
    EXPECT_EQ(weak.lock()->wakes.load(), 1);
    std::move(w).wake();  // wakes, then drops the last reference
    EXPECT_TRUE(weak.expired());
}

TEST(waker_from_shared_ptr, wake_and_wake_by_ref_both_call_wake) {
    auto f = std::make_shared<flag>();
    af::waker w = af::waker::from(f);
    w.wake_by_ref();
    af::waker c = w;
    std::move(c).wake();
    EXPECT_EQ(f->wakes.load(), 2);
    EXPECT_EQ(f.use_count(), 2) << "consuming a clone leaves the other waker's reference";
    w = af::waker::noop();
    EXPECT_EQ(f.use_count(), 1);
}

TEST(waker_from_shared_ptr, a_throwing_wake_still_drops_the_reference) {
    struct thrower {
        void wake() { throw std::runtime_error("wake failed"); }
    };
    auto t = std::make_shared<thrower>();
    af::waker w = af::waker::from(t);
    EXPECT_THROW(w.wake_by_ref(), std::runtime_error);
    EXPECT_THROW(std::move(w).wake(), std::runtime_error);
    EXPECT_EQ(t.use_count(), 1);
}

TEST(waker_from_shared_ptr, clones_are_woken_and_dropped_from_other_threads) {
    auto f = std::make_shared<flag>();
    af::waker w = af::waker::from(f);
    std::vector<std::thread> ts;
    for (int i = 0; i < 4; ++i) {
        ts.emplace_back([c = w]() mutable {
            for (int k = 0; k < 1000; ++k) {
                af::waker c2 = c;
                c2.wake_by_ref();
            }
            std::move(c).wake();
        });
    }
    w = af::waker::noop();
    for (auto& t : ts) t.join();
    EXPECT_EQ(f->wakes.load(), 4 * 1000 + 4);
    EXPECT_EQ(f.use_count(), 1);
}

static_assert(af::wake_target<flag>);
static_assert(!af::wake_target<int>);

}  // namespace

}  // namespace core_waker_test
