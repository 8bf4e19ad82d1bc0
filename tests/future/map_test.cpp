// SPDX-License-Identifier: MIT
// af::map: value and void on both sides, chains, and cancellation before completion.
#include "af/future/map.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/future/ready.hpp"
#include "af/future/yield_now.hpp"
#include "af/test/manual_future.hpp"
#include "af/test/wake_counter.hpp"

namespace future_map_test {

namespace {

static_assert(std::is_same_v<af::output_of<decltype(af::map(af::ready(1), [](int) {}))>, void>);
static_assert(std::is_same_v<af::output_of<decltype(af::map(af::ready(), [] { return 1.5; }))>, double>);

TEST(map, applies_the_function_to_the_output_when_ready) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af::test::manual_future<int> m;
    int calls = 0;
    auto f = af::map(m.get(), [&](int v) { ++calls; return std::to_string(v * 2); });
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_EQ(calls, 0);
    m.set(21);
    EXPECT_EQ(f.poll(cx).value(), "42");
    EXPECT_EQ(calls, 1);
}

TEST(map, handles_void_input_and_void_output) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    int seen = 0;
    auto void_in = af::map(af::yield_now(), [] { return 7; });
    EXPECT_TRUE(void_in.poll(cx).is_pending());
    EXPECT_EQ(void_in.poll(cx).value(), 7);
    auto void_out = af::map(af::ready(3), [&](int v) { seen = v; });
    EXPECT_TRUE(void_out.poll(cx).is_ready());
    EXPECT_EQ(seen, 3);
    auto both = af::map(af::ready(), [&] { ++seen; });
    EXPECT_TRUE(both.poll(cx).is_ready());
    EXPECT_EQ(seen, 4);
}

TEST(map, chains_and_moves_move_only_values) {
    auto f = af::map(af::map(af::ready(std::make_unique<int>(5)), [](std::unique_ptr<int> p) { return *p; }),
                     [](int v) { return v + 1; });
    EXPECT_EQ(af::block_on(std::move(f)), 6);
}

TEST(map, dropped_before_completion_never_calls_the_function) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af::test::manual_future<int> m;
    int calls = 0;
    {
        auto f = af::map(m.get(), [&](int) { ++calls; });
        EXPECT_TRUE(f.poll(cx).is_pending());
    }
    m.set(1);
    EXPECT_EQ(calls, 0);
    EXPECT_FALSE(m.future_alive());
}

TEST(map, an_exception_from_the_function_propagates_out_of_poll) {
    auto f = af::map(af::ready(1), [](int) -> int { throw std::runtime_error("boom"); });
    EXPECT_THROW(af::block_on(std::move(f)), std::runtime_error);
}

TEST(map, is_awaitable_from_a_task) {
    auto t = []() -> af::task<int> {
        int a = co_await af::map(af::ready(2), [](int v) { return v * 10; });
        co_return a + 1;
    }();
    EXPECT_EQ(af::block_on(std::move(t)), 21);
}

}  // namespace

}  // namespace future_map_test
