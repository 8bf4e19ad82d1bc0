// SPDX-License-Identifier: MIT
#include "af/future/join.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/future/ready.hpp"
#include "af/future/yield_now.hpp"
#include "future/leaf.hpp"
#include "af/test/wake_counter.hpp"

namespace {

using af_test::leaf;
using af_test::leaf_state;

// Counts every allocation in the process, to prove that a join allocates lazily.
std::atomic<long> allocations{0};

std::shared_ptr<leaf_state> make_state() { return std::make_shared<leaf_state>(); }

af::task<int> add_later(int a, int b) {
    co_await af::yield_now();
    co_return a + b;
}

}  // namespace

// ThreadSanitizer's runtime defines the global operator new itself, so it cannot be replaced
// there; the allocation tests run in every other build (plain GCC/Clang, ASan+UBSan).
#if defined(__SANITIZE_THREAD__)
#define AF_TEST_COUNTS_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define AF_TEST_COUNTS_ALLOCATIONS 0
#endif
#endif
#ifndef AF_TEST_COUNTS_ALLOCATIONS
#define AF_TEST_COUNTS_ALLOCATIONS 1
#endif

#if AF_TEST_COUNTS_ALLOCATIONS
// noinline: GCC 12 -O2 otherwise pairs the inlined malloc and free and warns (mismatched-new-delete).
[[gnu::noinline]] void* operator new(std::size_t n) {
    allocations.fetch_add(1, std::memory_order_relaxed);  // Relaxed: a statistic
    if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
    throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif

TEST(join, allocates_nothing_when_every_child_is_ready_at_once) {
    if (!AF_TEST_COUNTS_ALLOCATIONS) GTEST_SKIP() << "operator new cannot be replaced under TSan";
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto j = af::join(af::ready(1), af::ready(2), af::ready());
    long before = allocations.load();
    EXPECT_TRUE(j.poll(cx).is_ready());
    EXPECT_EQ(allocations.load() - before, 0);
}

TEST(join, allocates_its_wakers_once_on_the_first_pending_poll) {
    if (!AF_TEST_COUNTS_ALLOCATIONS) GTEST_SKIP() << "operator new cannot be replaced under TSan";
    auto a = make_state(), b = make_state();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto j = af::join(leaf(a), leaf(b), af::yield_now());
    long before = allocations.load();
    EXPECT_TRUE(j.poll(cx).is_pending());
    EXPECT_EQ(allocations.load() - before, 1) << "one block for all children";
    a->wake();
    EXPECT_TRUE(j.poll(cx).is_pending());
    before = allocations.load();
    b->wake();
    EXPECT_TRUE(j.poll(cx).is_pending());
    EXPECT_EQ(allocations.load() - before, 0) << "later polls allocate nothing";
}

TEST(join, is_ready_at_once_when_every_child_is) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto j = af::join(af::ready(1), af::ready(std::string("two")), af::ready());
    auto p = j.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(std::get<0>(*p), 1);
    EXPECT_EQ(std::get<1>(*p), "two");
    static_assert(std::is_same_v<std::tuple_element_t<2, af::output_of<decltype(j)>>, std::monostate>);
    EXPECT_EQ(wc.clones_alive(), 0u);
}

TEST(join, of_nothing_is_an_empty_tuple) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto j = af::join();
    EXPECT_TRUE(j.poll(cx).is_ready());
}

TEST(join, re_polls_only_the_woken_child) {
    auto a = make_state(), b = make_state(), c = make_state();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto j = af::join(leaf(a), leaf(b), leaf(c));
    EXPECT_TRUE(j.poll(cx).is_pending());
    EXPECT_EQ(a->polls, 1);
    EXPECT_EQ(b->polls, 1);
    EXPECT_EQ(c->polls, 1);

    b->wake();
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(j.poll(cx).is_pending());
    EXPECT_EQ(a->polls, 1);
    EXPECT_EQ(b->polls, 2);
    EXPECT_EQ(c->polls, 1);

    // A poll with no wake in between polls nobody.
    EXPECT_TRUE(j.poll(cx).is_pending());
    EXPECT_EQ(a->polls + b->polls + c->polls, 4);

    c->complete(30);
    a->complete(10);
    EXPECT_TRUE(j.poll(cx).is_pending());
    EXPECT_EQ(c->drops, 1) << "a finished child is destroyed at once";
    EXPECT_EQ(b->drops, 0);
    b->complete(20);
    auto p = j.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(*p, std::make_tuple(10, 20, 30));
    EXPECT_EQ(a->polls, 2);
    EXPECT_EQ(b->polls, 3);
    EXPECT_EQ(c->polls, 2);
}

TEST(join, repeated_wakes_of_one_child_before_a_poll_cause_one_poll) {
    auto a = make_state(), b = make_state();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto j = af::join(leaf(a), leaf(b));
    EXPECT_TRUE(j.poll(cx).is_pending());
    a->wake();
    a->wake();
    a->wake();
    EXPECT_EQ(wc.count(), 1u) << "only the first wake since the last poll reaches the parent";
    EXPECT_TRUE(j.poll(cx).is_pending());
    EXPECT_EQ(a->polls, 2);
    EXPECT_EQ(b->polls, 1);
}

TEST(join, waits_for_every_child_then_rethrows_the_first_exception) {
    auto a = make_state(), b = make_state();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto j = af::join(leaf(a), leaf(b));
    EXPECT_TRUE(j.poll(cx).is_pending());
    a->throw_next();
    EXPECT_TRUE(j.poll(cx).is_pending()) << "join keeps running the other child";
    EXPECT_EQ(a->drops, 1);
    EXPECT_EQ(b->drops, 0);
    b->complete(2);
    EXPECT_THROW((void)j.poll(cx), std::runtime_error);
    EXPECT_EQ(b->drops, 1);
}

TEST(join, destroying_it_cancels_the_running_children_once) {
    auto a = make_state(), b = make_state();
    af::test::wake_counter wc;
    {
        af::context cx(wc.waker());
        auto j = af::join(leaf(a), leaf(b));
        EXPECT_TRUE(j.poll(cx).is_pending());
        a->complete(1);
        EXPECT_TRUE(j.poll(cx).is_pending());
        EXPECT_EQ(a->drops, 1);
    }
    EXPECT_EQ(a->drops, 1);
    EXPECT_EQ(b->drops, 1);
    EXPECT_EQ(wc.clones_alive(), 0u) << "the parent waker is released with the join";
}

TEST(join, a_child_waker_that_outlives_the_join_is_harmless) {
    auto a = make_state();
    af::test::wake_counter wc;
    std::optional<af::waker> kept;
    {
        af::context cx(wc.waker());
        auto j = af::join(leaf(a));
        EXPECT_TRUE(j.poll(cx).is_pending());
        std::lock_guard lk(a->m);
        kept = a->waiter;
    }
    a->waiter.reset();
    kept->wake_by_ref();
    std::move(*kept).wake();
    EXPECT_EQ(wc.count(), 0u);
}

TEST(join, a_self_waking_child_is_polled_again_on_the_next_poll) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto j = af::join(af::yield_now(), af::ready(3));
    EXPECT_TRUE(j.poll(cx).is_pending());
    EXPECT_EQ(wc.count(), 1u);
    auto p = j.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(std::get<1>(*p), 3);
}

TEST(join, children_woken_from_another_thread_complete_it) {
    constexpr int rounds = 100;
    for (int r = 0; r < rounds; ++r) {
        auto a = make_state(), b = make_state();
        af::test::wake_counter wc;
        af::context cx(wc.waker());
        auto j = af::join(leaf(a), leaf(b));
        EXPECT_TRUE(j.poll(cx).is_pending());
        std::thread t([&] {
            a->complete(1);
            b->complete(2);
        });
        std::optional<std::tuple<int, int>> out;
        for (;;) {
            std::size_t seen = wc.count();
            auto p = j.poll(cx);
            if (p.is_ready()) {
                out = std::move(*p);
                break;
            }
            while (wc.count() == seen) std::this_thread::yield();  // poll only when woken
        }
        t.join();
        EXPECT_EQ(*out, std::make_tuple(1, 2));
    }
}

TEST(join, works_under_co_await_in_a_task) {
    auto t = []() -> af::task<int> {
        auto [x, y] = co_await af::join(add_later(1, 2), add_later(3, 4));
        co_return x * 10 + y;
    };
    EXPECT_EQ(af::block_on(t()), 37);
}

#ifndef NDEBUG
TEST(join_death, polling_after_ready_asserts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto j = af::join(af::ready(1));
    EXPECT_TRUE(j.poll(cx).is_ready());
    EXPECT_DEATH((void)j.poll(cx), "polled after it completed");
}
#endif
