// SPDX-License-Identifier: MIT
// af::async_generator: laziness, co_await of leaves and tasks, yields, wakes, exceptions,
// cancellation, fused end, flat stack, allocator_arg.
#include "af/stream/async_generator.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/future/ready.hpp"
#include "af/future/yield_now.hpp"
#include "af/stream/fold.hpp"
#include "af/stream/next.hpp"
#include "af/test/drop_counter.hpp"
#include "af/test/manual_future.hpp"
#include "af/test/wake_counter.hpp"

namespace stream_async_generator_test {

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
// GCC 12 false positive at -O0 for allocator_arg coroutine frames (see frame_allocator.hpp).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace {

static_assert(af::stream<af::async_generator<int>>);
static_assert(af::stream<af::async_generator<std::unique_ptr<int>>>);
static_assert(!af::future<af::async_generator<int>>);

af::async_generator<int> after(af::test::manual_future<int>::future f, int* steps) {
    ++*steps;
    int base = co_await std::move(f);
    ++*steps;
    co_yield base;
    co_yield base + 1;
}

TEST(async_generator, is_lazy_and_pends_on_the_awaited_future) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af::test::manual_future<int> m;
    int steps = 0;
    auto g = after(m.get(), &steps);
    EXPECT_EQ(steps, 0);
    EXPECT_TRUE(g.poll_next(cx).is_pending());
    EXPECT_EQ(steps, 1);
    EXPECT_EQ(m.polls(), 1);
    EXPECT_TRUE(g.poll_next(cx).is_pending());  // a spurious poll re-polls only the leaf
    EXPECT_EQ(steps, 1);
    EXPECT_EQ(m.polls(), 2);
    m.set(10);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(g.poll_next(cx).value(), std::optional<int>(10));
    EXPECT_EQ(steps, 2);
    EXPECT_EQ(g.poll_next(cx).value(), std::optional<int>(11));
    EXPECT_EQ(g.poll_next(cx).value(), std::nullopt);
    EXPECT_TRUE(g.is_done());
    EXPECT_EQ(g.poll_next(cx).value(), std::nullopt);  // fused
    EXPECT_EQ(m.polls(), 3);
}

af::task<int> child(af::test::manual_future<int>::future f) {
    int v = co_await std::move(f);
    co_return v * 2;
}

af::async_generator<std::string> via_task(af::test::manual_future<int>::future f) {
    int v = co_await child(std::move(f));
    co_yield std::to_string(v);
    std::string s = "lvalue";
    co_yield s;  // copied: s stays usable
    co_yield s + "!";
}

TEST(async_generator, awaits_tasks_on_its_own_chain_and_yields_values) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af::test::manual_future<int> m;
    auto g = via_task(m.get());
    EXPECT_TRUE(g.poll_next(cx).is_pending());
    m.set(21);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(*g.poll_next(cx).value(), "42");
    EXPECT_EQ(*g.poll_next(cx).value(), "lvalue");
    EXPECT_EQ(*g.poll_next(cx).value(), "lvalue!");
    EXPECT_FALSE(g.poll_next(cx).value().has_value());
}

af::async_generator<std::unique_ptr<int>> boxes(int n) {
    for (int i = 0; i < n; ++i) {
        co_await af::yield_now();
        co_yield std::make_unique<int>(i);
    }
}

TEST(async_generator, is_consumed_with_next_inside_a_task) {
    auto sum = af::block_on(af::co_invoke([]() -> af::task<int> {
        auto g = boxes(5);
        int total = 0;
        while (auto p = co_await af::next(g)) total += **p;
        co_return total;
    }));
    EXPECT_EQ(sum, 10);
}

af::async_generator<int> fails(af::test::manual_future<int>::future f) {
    co_yield 1;
    int v = co_await std::move(f);
    if (v < 0) throw std::runtime_error("negative");
    co_yield v;
}

TEST(async_generator, rethrows_a_body_exception_from_poll_next_then_ends) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af::test::manual_future<int> m;
    auto g = fails(m.get());
    EXPECT_EQ(g.poll_next(cx).value(), std::optional<int>(1));
    EXPECT_TRUE(g.poll_next(cx).is_pending());
    m.set(-1);
    EXPECT_THROW((void)g.poll_next(cx), std::runtime_error);
    EXPECT_TRUE(g.is_done());
    EXPECT_EQ(g.poll_next(cx).value(), std::nullopt);
}

struct throwing_future {
    using output = int;
    bool first = true;
    af::poll<int> poll(af::context& cx) {
        if (first) {
            first = false;
            cx.waker().wake_by_ref();
            return af::pending;
        }
        throw std::logic_error("leaf failed");
    }
};

af::async_generator<int> catches() {
    bool caught = false;
    try {
        throwing_future f;
        co_await f;
    } catch (const std::logic_error&) {
        caught = true;  // co_yield is not allowed inside a handler
    }
    if (caught) co_yield -1;
}

TEST(async_generator, rethrows_a_leaf_exception_at_the_co_await) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto g = catches();
    EXPECT_TRUE(g.poll_next(cx).is_pending());
    EXPECT_EQ(g.poll_next(cx).value(), std::optional<int>(-1));
    EXPECT_EQ(g.poll_next(cx).value(), std::nullopt);
}

af::task<int> holds(af::test::drop_counter::guard g, af::test::manual_future<int>::future f) {
    af::test::drop_counter::guard local = std::move(g);
    co_return co_await std::move(f);
}

af::async_generator<int> cancellable(af::test::drop_counter& drops, af::test::manual_future<int>::future f, int* after) {
    af::test::drop_counter::guard mine = drops.make();
    co_yield 0;
    int v = co_await holds(drops.make(), std::move(f));
    ++*after;
    co_yield v;
}

TEST(async_generator, destroying_it_mid_stream_destroys_the_frame_and_awaited_futures) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af::test::drop_counter drops;
    af::test::manual_future<int> m;
    int after = 0;
    {
        auto g = cancellable(drops, m.get(), &after);
        EXPECT_EQ(g.poll_next(cx).value(), std::optional<int>(0));
        EXPECT_TRUE(g.poll_next(cx).is_pending());
        EXPECT_TRUE(m.has_waiter());
        EXPECT_EQ(drops.count(), 0);
    }
    EXPECT_EQ(drops.count(), 2);  // the generator's local and the awaited task's local
    EXPECT_FALSE(m.future_alive());
    EXPECT_EQ(after, 0);
}

TEST(async_generator, destroying_it_before_the_first_poll_runs_nothing) {
    af::test::drop_counter drops;
    af::test::manual_future<int> m;
    int after = 0;
    { auto g = cancellable(drops, m.get(), &after); }
    EXPECT_EQ(drops.count(), 0);
    EXPECT_FALSE(m.future_alive());
}

af::async_generator<int> long_run(int n) {
    for (int i = 0; i < n; ++i) {
        int v = co_await af::ready(i);
        co_await af::yield_now();
        co_yield v;
    }
}

af::task<long long> sum_of(int n) {
    auto g = long_run(n);
    long long total = 0;
    while (auto v = co_await af::next(g)) total += *v;
    co_return total;
}

TEST(async_generator, keeps_the_stack_flat_over_long_runs_of_ready_awaits_and_yields) {
    constexpr int n = 200000;
    EXPECT_EQ(af::block_on(sum_of(n)), static_cast<long long>(n) * (n - 1) / 2);
}

af::async_generator<int> sync_only(int n) {
    for (int i = 0; i < n; ++i) co_yield co_await af::ready(i);
}

TEST(async_generator, yields_awaited_values_without_suspending_on_ready_futures) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto g = sync_only(100000);
    long long total = 0;
    for (;;) {
        auto p = g.poll_next(cx);
        ASSERT_TRUE(p.is_ready());
        if (!p.value()) break;
        total += *p.value();
    }
    EXPECT_EQ(total, 100000LL * 99999 / 2);
    EXPECT_EQ(wc.count(), 0u);
}

af::async_generator<int> from_other_thread(std::vector<af::test::manual_future<int>::future> fs) {
    for (auto& f : fs) co_yield co_await std::move(f);
}

TEST(async_generator, is_woken_by_futures_completed_on_another_thread) {
    std::vector<af::test::manual_future<int>> ms(50);
    std::vector<af::test::manual_future<int>::future> fs;
    for (auto& m : ms) fs.push_back(m.get());
    std::thread producer([&] {
        for (int i = 0; i < 50; ++i) ms[static_cast<std::size_t>(i)].set(i);
    });
    auto g = from_other_thread(std::move(fs));
    int total = af::block_on(std::move(g) | af::streams::fold(0, [](int a, int v) { return a + v; }));
    producer.join();
    EXPECT_EQ(total, 50 * 49 / 2);
}

template <class T>
struct counting_allocator {
    using value_type = T;
    int* allocations;
    explicit counting_allocator(int* n) noexcept : allocations(n) {}
    template <class U>
    counting_allocator(const counting_allocator<U>& o) noexcept : allocations(o.allocations) {}
    T* allocate(std::size_t n) {
        ++*allocations;
        return std::allocator<T>().allocate(n);
    }
    void deallocate(T* p, std::size_t n) noexcept { std::allocator<T>().deallocate(p, n); }
    bool operator==(const counting_allocator&) const = default;
};

af::async_generator<int> allocated(std::allocator_arg_t, counting_allocator<char>, int n) {
    for (int i = 0; i < n; ++i) co_yield i;
}

// noinline: the frame escapes this function, so clang at -O1 cannot elide its allocation (HALO).
[[gnu::noinline]] af::async_generator<int> make_allocated(int* allocations) {
    return allocated(std::allocator_arg, counting_allocator<char>(allocations), 3);
}

TEST(async_generator, takes_its_frame_from_an_allocator_arg_allocator) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    int allocations = 0;
    auto g = make_allocated(&allocations);
    int count = 0;
    while (g.poll_next(cx).value()) ++count;
    EXPECT_EQ(count, 3);
    EXPECT_EQ(allocations, 1);
}

}  // namespace

}  // namespace stream_async_generator_test
