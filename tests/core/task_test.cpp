// SPDX-License-Identifier: MIT
#include "af/core/task.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "af/executor/block_on.hpp"
#include "af/future/ready.hpp"
#include "af/future/yield_now.hpp"
#include "af/test.hpp"

namespace core_task_test {

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
// GCC 12 false positive at -O0 for allocator_arg coroutine frames (see frame_allocator.hpp).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace {

static_assert(af::future<af::task<int>>);
static_assert(af::future<af::task<>>);
static_assert(std::is_same_v<af::task<>, af::task<void>>);

af::task<int> add(int a, int b) { co_return a + b; }

af::task<int> wait_for(af::test::manual_future<int>::future f) { co_return co_await std::move(f); }

// Every af coroutine frame holds a promise: its size is paid per task. The chain state and the
// nested link share storage (task_promise.hpp); the trace links are the 16 bytes of ADR 0006.
TEST(task, a_promise_is_at_most_eight_words) {
    static_assert(sizeof(af::detail::task_promise_base) <= 8 * sizeof(void*),
                  "task_promise_base grew: see the layout comment in task_promise.hpp");
    // The output needs no std::optional flag: it is one word beyond the base for a word-sized T.
    static_assert(sizeof(af::detail::task_promise<std::uint64_t>) == sizeof(af::detail::task_promise_base) + 8);
    SUCCEED();
}

TEST(task, is_lazy_until_polled) {
    bool ran = false;
    auto body = [](bool& r) -> af::task<> {
        r = true;
        co_return;
    };
    auto t = body(ran);
    EXPECT_FALSE(ran);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(t.poll(cx).is_ready());
    EXPECT_TRUE(ran);
}

TEST(task, returns_value_without_suspending_when_awaits_are_ready) {
    auto t = []() -> af::task<int> {
        int a = co_await af::ready(2);
        int b = co_await add(a, 3);
        co_return b * 10;
    }();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto p = t.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(p.value(), 50);
    EXPECT_EQ(wc.count(), 0u);
}

TEST(task, pending_leaf_makes_task_pending_until_woken) {
    af::test::manual_future<int> m;
    auto t = wait_for(m.get());
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(t.poll(cx).is_pending());
    EXPECT_EQ(m.polls(), 1);
    EXPECT_TRUE(t.poll(cx).is_pending());  // spurious re-poll polls only the leaf
    EXPECT_EQ(m.polls(), 2);
    m.set(7);
    EXPECT_EQ(wc.count(), 1u);
    auto p = t.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(p.value(), 7);
}

TEST(task, nested_task_waits_on_leaf_through_the_root) {
    af::test::manual_future<int> m;
    auto outer = [](af::test::manual_future<int>::future f) -> af::task<int> {
        int v = co_await wait_for(std::move(f));
        co_return v + 1;
    }(m.get());
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(outer.poll(cx).is_pending());
    m.set(41);
    EXPECT_EQ(wc.count(), 1u);
    auto p = outer.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(p.value(), 42);
}

TEST(task, leaf_sees_the_waker_of_the_latest_poll) {
    af::test::manual_future<int> m;
    auto t = wait_for(m.get());
    af::test::wake_counter first, second;
    af::context cx1(first.waker());
    af::context cx2(second.waker());
    EXPECT_TRUE(t.poll(cx1).is_pending());
    EXPECT_TRUE(t.poll(cx2).is_pending());
    m.set(1);
    EXPECT_EQ(first.count(), 0u);
    EXPECT_EQ(second.count(), 1u);
}

af::task<int> deep(int n) {
    if (n == 0) co_return 0;
    int below = co_await deep(n - 1);
    co_return below + 1;
}

af::task<long> many_sync_awaits(int n) {
    long sum = 0;
    for (int i = 0; i < n; ++i) sum += co_await add(i, 0);
    co_return sum;
}

// Runs `fn` on a thread with a small stack, so that stack growth would crash the test.
template <class Fn>
void on_small_stack(Fn fn) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    pthread_t th;
    auto* heap_fn = new Fn(std::move(fn));
    ASSERT_EQ(pthread_create(
                  &th, &attr,
                  [](void* p) -> void* {
                      std::unique_ptr<Fn> f(static_cast<Fn*>(p));
                      (*f)();
                      return nullptr;
                  },
                  heap_fn),
              0);
    pthread_join(th, nullptr);
    pthread_attr_destroy(&attr);
}

TEST(task, long_chain_of_synchronous_awaits_does_not_grow_the_stack) {
    long got = 0;
    int depth = 0;
    on_small_stack([&] {
        got = af::block_on(many_sync_awaits(1'000'000));
        depth = af::block_on(deep(20'000));
    });
    EXPECT_EQ(got, 1'000'000L * 999'999L / 2);
    EXPECT_EQ(depth, 20'000);
}

struct boom : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct throwing_leaf {
    using output = int;
    int polls_before_throw;
    af::poll<int> poll(af::context& cx) {
        if (polls_before_throw-- == 0) throw boom("leaf failed");
        cx.waker().wake_by_ref();
        return af::pending;
    }
};

TEST(task, exception_from_a_leaf_is_rethrown_at_the_co_await) {
    for (int n : {0, 2}) {  // thrown on the first poll (inside await_ready) and on a re-poll
        auto t = [](int k) -> af::task<std::string> {
            try {
                co_await throwing_leaf{k};  // await-temporary: trivially destructible aggregate
            } catch (const boom& e) {
                co_return std::string("caught ") + e.what();
            }
            co_return "not thrown";
        }(n);
        EXPECT_EQ(af::block_on(std::move(t)), "caught leaf failed");
    }
}

TEST(task, exception_propagates_through_nested_tasks_and_out_of_poll) {
    auto inner = []() -> af::task<int> {
        co_await af::yield_now();
        throw boom("inner");
    };
    auto outer = [](auto make) -> af::task<int> { co_return co_await make() + 1; };
    EXPECT_THROW(af::block_on(outer(inner)), boom);
}

TEST(task, destroying_a_suspended_task_runs_destructors_and_drops_the_leaf) {
    af::test::drop_counter drops;
    af::test::manual_future<int> m;
    {
        auto inner = [](af::test::drop_counter::guard g, af::test::manual_future<int>::future f) -> af::task<int> {
            auto local = std::move(g);
            co_return co_await std::move(f);
        };
        auto outer = [](af::test::drop_counter::guard g, af::task<int> child) -> af::task<int> {
            auto local = std::move(g);
            co_return co_await std::move(child);
        }(drops.make(), inner(drops.make(), m.get()));
        af::test::wake_counter wc;
        af::context cx(wc.waker());
        EXPECT_TRUE(outer.poll(cx).is_pending());
        EXPECT_TRUE(m.has_waiter());
        EXPECT_EQ(drops.count(), 0);
    }
    EXPECT_EQ(drops.count(), 2);
    EXPECT_FALSE(m.future_alive());
    EXPECT_FALSE(m.has_waiter());
}

TEST(task, move_only_outputs_work) {
    auto make = []() -> af::task<std::unique_ptr<int>> {
        co_await af::yield_now();
        co_return std::make_unique<int>(9);
    };
    auto t = [](auto mk) -> af::task<std::unique_ptr<int>> {
        auto p = co_await mk();
        *p += 1;
        co_return p;
    }(make);
    auto p = af::block_on(std::move(t));
    ASSERT_TRUE(p);
    EXPECT_EQ(*p, 10);
}

TEST(task, lvalue_futures_are_polled_in_place) {
    af::test::manual_future<int> m;
    auto f = m.get();
    auto t = [](af::test::manual_future<int>::future& fut) -> af::task<int> { co_return co_await fut; }(f);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(t.poll(cx).is_pending());
    m.set(3);
    EXPECT_EQ(t.poll(cx).value(), 3);
    EXPECT_TRUE(m.future_alive());  // still owned by the caller
}

TEST(task, awaiting_a_task_that_was_already_polled_continues_it) {
    af::test::manual_future<int> m;
    auto child = wait_for(m.get());
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(child.poll(cx).is_pending());
    auto parent = [](af::task<int>& c) -> af::task<int> { co_return 2 * co_await c; }(child);
    EXPECT_TRUE(parent.poll(cx).is_pending());
    m.set(21);
    EXPECT_EQ(parent.poll(cx).value(), 42);
}

TEST(task, can_be_polled_from_different_threads_between_polls) {
    af::test::manual_future<int> m;
    auto t = wait_for(m.get());
    af::test::wake_counter wc;
    std::thread([&] {
        af::context cx(wc.waker());
        EXPECT_TRUE(t.poll(cx).is_pending());
    }).join();
    std::thread([&] { m.set(5); }).join();
    int got = 0;
    std::thread([&] {
        af::context cx(wc.waker());
        got = t.poll(cx).value();
    }).join();
    EXPECT_EQ(got, 5);
}

struct counting_resource {
    int allocations = 0;
    int deallocations = 0;
};

template <class T>
struct counting_allocator {
    using value_type = T;
    counting_resource* r;
    explicit counting_allocator(counting_resource& res) : r(&res) {}
    template <class U>
    counting_allocator(const counting_allocator<U>& o) : r(o.r) {}
    T* allocate(std::size_t n) {
        ++r->allocations;
        return std::allocator<T>().allocate(n);
    }
    void deallocate(T* p, std::size_t n) {
        ++r->deallocations;
        std::allocator<T>().deallocate(p, n);
    }
};

af::task<int> with_allocator(std::allocator_arg_t, counting_allocator<char>, int x) {
    co_await af::yield_now();
    co_return x * 2;
}

struct service {
    int base = 100;
    af::task<int> compute(std::allocator_arg_t, counting_allocator<char>, int x) {
        co_await af::yield_now();
        co_return base + x;
    }
};

TEST(task, allocator_arg_frames_use_the_given_allocator) {
    counting_resource res;
    EXPECT_EQ(af::block_on(with_allocator(std::allocator_arg, counting_allocator<char>(res), 21)), 42);
    EXPECT_EQ(res.allocations, 1);
    EXPECT_EQ(res.deallocations, 1);
    service s;
    EXPECT_EQ(af::block_on(s.compute(std::allocator_arg, counting_allocator<char>(res), 1)), 101);
    EXPECT_EQ(res.allocations, 2);
    EXPECT_EQ(res.deallocations, 2);
}

TEST(task, co_invoke_keeps_lambda_captures_alive) {
    af::task<std::size_t> t;
    {
        auto name = std::make_shared<std::string>("captured");
        auto lambda = [name]() -> af::task<std::size_t> {
            co_await af::yield_now();
            co_return name->size();
        };
        t = af::co_invoke(std::move(lambda));
    }  // the lambda object and the local shared_ptr are gone; the capture lives in t's frame
    EXPECT_EQ(af::block_on(std::move(t)), 8u);
}

TEST(task, finished_task_releases_its_frame_when_the_output_is_taken) {
    af::test::drop_counter drops;
    auto t = [](af::test::drop_counter::guard g) -> af::task<int> {
        auto local = std::move(g);
        co_return 1;
    }(drops.make());
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_EQ(t.poll(cx).value(), 1);
    EXPECT_EQ(drops.count(), 1);
    EXPECT_FALSE(t);
}

#ifndef NDEBUG
TEST(task_death, polling_after_ready_is_caught_in_debug_builds) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    auto t = add(1, 2);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(t.poll(cx).is_ready());
    EXPECT_DEATH((void)t.poll(cx), "poll on an empty or finished task");
}
#endif

}  // namespace

}  // namespace core_task_test
