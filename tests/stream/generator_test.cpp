// SPDX-License-Identifier: MIT
// af::generator: range protocol, by-reference yields, exceptions, early destruction, allocator.
#include "af/stream/generator.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <ranges>
#include <stdexcept>
#include <string>
#include <vector>

#include "af/test/drop_counter.hpp"

namespace stream_generator_test {

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
// GCC 12 false positive at -O0 for allocator_arg coroutine frames (see frame_allocator.hpp).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace {

static_assert(std::ranges::input_range<af::generator<int>>);
static_assert(std::ranges::view<af::generator<std::string>>);
static_assert(std::same_as<std::ranges::range_reference_t<af::generator<int>>, int&&>);
static_assert(std::ranges::input_range<af::generator<std::unique_ptr<int>>>);

af::generator<int> count_to(int n, int* steps) {
    for (int i = 0; i < n; ++i) {
        ++*steps;
        co_yield i;
    }
}

TEST(generator, is_lazy_and_runs_one_step_per_increment) {
    int steps = 0;
    auto g = count_to(3, &steps);
    EXPECT_EQ(steps, 0);
    auto it = g.begin();
    EXPECT_EQ(steps, 1);
    EXPECT_EQ(*it, 0);
    ++it;
    EXPECT_EQ(steps, 2);
    EXPECT_EQ(*it, 1);
    ++it;
    ++it;
    EXPECT_TRUE(it == g.end());
    EXPECT_EQ(steps, 3);
}

TEST(generator, works_with_range_for_and_views) {
    int steps = 0;
    std::vector<int> out;
    for (int v : count_to(4, &steps) | std::views::transform([](int x) { return x * 10; })) out.push_back(v);
    EXPECT_EQ(out, (std::vector<int>{0, 10, 20, 30}));
}

af::generator<std::string> names(int* copies) {
    std::string kept = "kept";
    co_yield kept;  // lvalue: copied, the body's variable is untouched
    ++*copies;
    EXPECT_EQ(kept, "kept");
    co_yield std::string("moved");  // rvalue: handed out in place
}

TEST(generator, copies_lvalue_yields_and_hands_out_rvalues_in_place) {
    int copies = 0;
    std::vector<std::string> out;
    for (auto&& s : names(&copies)) out.push_back(std::move(s));  // moving from *it is allowed
    EXPECT_EQ(out, (std::vector<std::string>{"kept", "moved"}));
    EXPECT_EQ(copies, 1);
}

af::generator<std::unique_ptr<int>> boxes() {
    co_yield std::make_unique<int>(1);
    co_yield std::make_unique<int>(2);
}

TEST(generator, yields_move_only_values) {
    int sum = 0;
    for (auto&& p : boxes()) {
        std::unique_ptr<int> owned = std::move(p);
        sum += *owned;
    }
    EXPECT_EQ(sum, 3);
}

af::generator<int> throws_after(int n) {
    for (int i = 0; i < n; ++i) co_yield i;
    throw std::runtime_error("boom");
}

TEST(generator, rethrows_the_body_exception_from_increment_then_ends) {
    auto g = throws_after(1);
    auto it = g.begin();
    EXPECT_EQ(*it, 0);
    EXPECT_THROW(++it, std::runtime_error);
    EXPECT_TRUE(it == g.end());
}

TEST(generator, rethrows_from_begin_when_the_body_fails_before_yielding) {
    auto g = throws_after(0);
    EXPECT_THROW((void)g.begin(), std::runtime_error);
}

af::generator<int> guarded(af::test::drop_counter::guard g, int* finished) {
    af::test::drop_counter::guard local = std::move(g);
    for (int i = 0;; ++i) co_yield i;
    ++*finished;  // never reached
}

TEST(generator, destroying_it_mid_way_destroys_the_frame_and_its_locals) {
    af::test::drop_counter drops;
    int finished = 0;
    {
        auto g = guarded(drops.make(), &finished);
        auto it = g.begin();
        ++it;
        EXPECT_EQ(*it, 1);
        EXPECT_EQ(drops.count(), 0);
    }
    EXPECT_EQ(drops.count(), 1);
    EXPECT_EQ(finished, 0);
}

TEST(generator, destroying_it_before_begin_destroys_the_parameters) {
    af::test::drop_counter drops;
    int finished = 0;
    { auto g = guarded(drops.make(), &finished); }
    EXPECT_EQ(drops.count(), 1);
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

af::generator<int> with_allocator(std::allocator_arg_t, counting_allocator<char>, int n) {
    for (int i = 0; i < n; ++i) co_yield i;
}

// noinline: the frame escapes this function, so clang at -O1 cannot elide its allocation (HALO).
[[gnu::noinline]] af::generator<int> make_with_allocator(int* allocations) {
    return with_allocator(std::allocator_arg, counting_allocator<char>(allocations), 4);
}

TEST(generator, takes_its_frame_from_an_allocator_arg_allocator) {
    int allocations = 0;
    int sum = 0;
    for (int v : make_with_allocator(&allocations)) sum += v;
    EXPECT_EQ(sum, 6);
    EXPECT_EQ(allocations, 1);
}

TEST(generator, moved_generators_keep_their_position) {
    int steps = 0;
    auto g = count_to(3, &steps);
    auto h = std::move(g);
    int sum = 0;
    for (int v : h) sum += v;
    EXPECT_EQ(sum, 3);
}

}  // namespace

}  // namespace stream_generator_test
