// SPDX-License-Identifier: MIT
// af::streams::fold, collect, for_each: consumers that complete at the end of the stream.
#include "af/stream/collect.hpp"
#include "af/stream/fold.hpp"
#include "af/stream/for_each.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/future/yield_now.hpp"
#include "af/stream/async_generator.hpp"
#include "af/stream/iter.hpp"
#include "af/test/wake_counter.hpp"
#include "stream/manual_stream.hpp"

namespace stream_fold_test {

namespace {

static_assert(af::future<decltype(af::streams::iter(std::vector<int>{}) | af::streams::collect())>);

TEST(fold, accumulates_across_pending_polls_and_completes_at_the_end) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_stream<int> src;
    auto f = src.get() | af::streams::fold(std::string(), [](std::string acc, int v) { return acc + std::to_string(v); });
    src.push(1);
    src.push(2);
    EXPECT_TRUE(f.poll(cx).is_pending());
    src.push(3);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(f.poll(cx).is_pending());
    src.close();
    EXPECT_EQ(f.poll(cx).value(), "123");
}

TEST(collect, gathers_into_a_vector_or_a_chosen_container) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_stream<int> src;
    auto f = src.get() | af::streams::collect();
    src.push(3);
    EXPECT_TRUE(f.poll(cx).is_pending());
    src.push(1);
    src.close();
    EXPECT_EQ(f.poll(cx).value(), (std::vector<int>{3, 1}));
    auto g = af::streams::iter(std::vector<int>{3, 1, 3}) | af::streams::collect<std::set<int>>();
    EXPECT_EQ(g.poll(cx).value(), (std::set<int>{1, 3}));
}

af::async_generator<int> numbers(int n) {
    for (int i = 1; i <= n; ++i) {
        co_await af::yield_now();
        co_yield i;
    }
}

TEST(for_each, handles_every_item_of_an_async_generator) {
    int sum = 0;
    af::block_on(numbers(4) | af::streams::for_each([&](int v) { sum += v; }));
    EXPECT_EQ(sum, 10);
}

TEST(collect, is_awaitable_inside_a_task) {
    auto v = af::block_on(af::co_invoke([]() -> af::task<std::vector<int>> {
        auto all = co_await (numbers(3) | af::streams::collect());
        co_return all;
    }));
    EXPECT_EQ(v, (std::vector<int>{1, 2, 3}));
}

}  // namespace

}  // namespace stream_fold_test
