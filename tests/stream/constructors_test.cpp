// SPDX-License-Identifier: MIT
// af::streams constructors: iter, once, repeat, unfold, poll_fn, empty.
#include "af/stream/empty.hpp"
#include "af/stream/iter.hpp"
#include "af/stream/once.hpp"
#include "af/stream/poll_fn.hpp"
#include "af/stream/repeat.hpp"
#include "af/stream/unfold.hpp"

#include <gtest/gtest.h>

#include <concepts>
#include <memory>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "af/core/task.hpp"
#include "af/future/ready.hpp"
#include "af/test/manual_future.hpp"
#include "af/test/mock_task.hpp"
#include "af/test/wake_counter.hpp"

namespace stream_constructors_test {

namespace {

static_assert(af::stream<af::streams::iter_stream<std::vector<int>>>);
static_assert(af::stream<af::streams::empty_stream<int>>);
static_assert(af::stream<af::streams::repeat_stream<std::string>>);

template <class S>
std::vector<af::item_of<S>> drain_ready(S& s, af::context& cx) {
    std::vector<af::item_of<S>> out;
    for (;;) {
        auto p = s.poll_next(cx);
        EXPECT_TRUE(p.is_ready());
        if (p.is_pending() || !p.value()) return out;
        out.push_back(std::move(*p.value()));
    }
}

TEST(iter, yields_every_element_ready_then_stays_ended) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::streams::iter(std::vector<int>{1, 2, 3});
    EXPECT_EQ(drain_ready(s, cx), (std::vector<int>{1, 2, 3}));
    EXPECT_FALSE(s.poll_next(cx).value().has_value());
    EXPECT_EQ(wc.count(), 0u);
}

TEST(iter, moves_elements_out_of_an_owned_container) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    std::vector<std::unique_ptr<int>> v;
    v.push_back(std::make_unique<int>(4));
    auto s = af::streams::iter(std::move(v));
    auto p = s.poll_next(cx);
    EXPECT_EQ(**p.value(), 4);
}

TEST(iter, copies_from_a_view_leaving_the_borrowed_container_intact) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    std::vector<std::string> v{"a", "b"};
    auto s = af::streams::iter(std::views::all(v));
    EXPECT_EQ(drain_ready(s, cx), v);
    EXPECT_EQ(v, (std::vector<std::string>{"a", "b"}));
    auto lvalue_copy = af::streams::iter(v);  // an lvalue container is copied, not borrowed
    v.clear();
    EXPECT_EQ(drain_ready(lvalue_copy, cx).size(), 2u);
}

TEST(iter, iterates_a_lazy_view) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::streams::iter(std::views::iota(0, 4));
    EXPECT_EQ(drain_ready(s, cx), (std::vector<int>{0, 1, 2, 3}));
}

TEST(once, yields_the_future_output_once_and_forwards_pending) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af::test::manual_future<int> m;
    auto s = af::streams::once(m.get());
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    m.set(9);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(9));
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
    EXPECT_EQ(m.polls(), 2);
}

TEST(once, of_a_value_yields_the_value_once) {
    af::test::mock_task<> t;
    auto s = af::streams::once(42);
    static_assert(std::same_as<decltype(s)::item, int>);
    auto next = [&] { return af::test::assert_ready(t.enter([&](af::context& cx) { return s.poll_next(cx); })); };
    EXPECT_EQ(next(), std::optional<int>(42));
    EXPECT_EQ(next(), std::nullopt);
    EXPECT_EQ(next(), std::nullopt) << "fused";
    EXPECT_EQ(t.wake_count(), 0u);
}

TEST(once, of_an_lvalue_copies_and_of_a_move_only_value_moves) {
    af::test::mock_task<> t;
    const std::string word = "hi";
    auto s = af::streams::once(word);
    EXPECT_EQ(af::test::assert_ready(t.enter([&](af::context& cx) { return s.poll_next(cx); })),
              std::optional<std::string>("hi"));
    EXPECT_EQ(word, "hi");
    auto u = af::streams::once(std::make_unique<int>(5));
    auto p = af::test::assert_ready(t.enter([&](af::context& cx) { return u.poll_next(cx); }));
    ASSERT_TRUE(p && *p);
    EXPECT_EQ(**p, 5);
}

TEST(once, of_a_future_is_its_output_and_once_value_yields_the_future_itself) {
    af::test::mock_task<> t;
    auto out = af::streams::once(af::ready(7));
    static_assert(std::same_as<decltype(out)::item, int>);
    EXPECT_EQ(af::test::assert_ready(t.enter([&](af::context& cx) { return out.poll_next(cx); })),
              std::optional<int>(7));

    auto fut = af::streams::once_value(af::ready(7));
    static_assert(std::same_as<decltype(fut)::item, af::ready_future<int>>);
    auto item = af::test::assert_ready(t.enter([&](af::context& cx) { return fut.poll_next(cx); }));
    ASSERT_TRUE(item.has_value());
    EXPECT_EQ(af::test::assert_ready(t.poll(*item)), 7);
}

TEST(repeat, yields_copies_for_ever) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::streams::repeat(std::string("x"));
    for (int i = 0; i < 5; ++i) EXPECT_EQ(*s.poll_next(cx).value(), "x");
}

TEST(empty, ends_at_once) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::streams::empty<std::string>();
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
}

TEST(poll_fn, calls_the_function_on_every_poll) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    int calls = 0;
    auto s = af::streams::poll_fn([&](af::context& c) -> af::poll<std::optional<int>> {
        ++calls;
        if (calls == 1) {
            c.waker().wake_by_ref();
            return af::pending;
        }
        if (calls > 3) return af::detail::stream_end<int>();
        return std::optional<int>(calls);
    });
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(2));
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(3));
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
    EXPECT_EQ(calls, 4);
}

TEST(unfold, threads_the_state_through_synchronous_steps) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    int calls = 0;
    auto s = af::streams::unfold(1, [&](int n) {
        ++calls;
        using step = std::optional<std::pair<int, int>>;
        return af::ready(n > 8 ? step() : step(std::pair(n, n * 2)));
    });
    EXPECT_EQ(calls, 0);  // lazy
    EXPECT_EQ(drain_ready(s, cx), (std::vector<int>{1, 2, 4, 8}));
    EXPECT_EQ(calls, 5);
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
    EXPECT_EQ(calls, 5);  // fused: the state is gone, f is not called again
}

TEST(unfold, waits_on_each_step_future_before_calling_again) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    std::vector<af::test::manual_future<std::optional<std::pair<std::string, int>>>> steps(2);
    int calls = 0;
    auto s = af::streams::unfold(0, [&](int i) {
        ++calls;
        return steps[static_cast<std::size_t>(i)].get();
    });
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    EXPECT_EQ(calls, 1);
    steps[0].set(std::pair(std::string("a"), 1));
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(*s.poll_next(cx).value(), "a");
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    EXPECT_EQ(calls, 2);
    steps[1].set(std::nullopt);
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
}

TEST(unfold, ends_after_a_step_throws) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::streams::unfold(0, [](int) -> af::task<std::optional<std::pair<int, int>>> {
        throw std::runtime_error("step failed");
        co_return std::nullopt;
    });
    EXPECT_THROW((void)s.poll_next(cx), std::runtime_error);
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
}

}  // namespace

}  // namespace stream_constructors_test
