// SPDX-License-Identifier: MIT
// af::then: awaiting the future that the function returns, with void on both sides.
#include "af/future/then.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/future/map.hpp"
#include "af/future/ready.hpp"
#include "af/future/yield_now.hpp"
#include "af/test/drop_counter.hpp"
#include "af/test/manual_future.hpp"
#include "af/test/wake_counter.hpp"

namespace future_then_test {

namespace {

TEST(then, awaits_the_second_future_and_outputs_its_value) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af::test::manual_future<int> first;
    af::test::manual_future<std::string> second;
    int got = 0;
    auto f = af::then(first.get(), [&](int v) { got = v; return second.get(); });
    EXPECT_TRUE(f.poll(cx).is_pending());
    first.set(3);
    EXPECT_TRUE(f.poll(cx).is_pending());  // first done, second polled in the same poll
    EXPECT_EQ(got, 3);
    EXPECT_EQ(second.polls(), 1);
    EXPECT_FALSE(first.future_alive());  // the first stage is gone once it completed
    second.set("done");
    EXPECT_EQ(f.poll(cx).value(), "done");
    EXPECT_EQ(second.polls(), 2);
}

TEST(then, chains_with_void_outputs_and_map) {
    int steps = 0;
    auto f = af::then(af::map(af::yield_now(), [&] { ++steps; }),
                      [&] { return af::then(af::ready(steps), [&](int s) { steps += 10; return af::ready(s * 100); }); });
    EXPECT_EQ(af::block_on(std::move(f)), 100);
    EXPECT_EQ(steps, 11);
    auto g = af::then(af::ready(1), [&](int) { return af::yield_now(); });
    af::block_on(std::move(g));
}

TEST(then, dropped_in_the_second_stage_destroys_the_second_future) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af::test::drop_counter drops;
    {
        auto f = af::then(af::ready(), [&] {
            return [](af::test::drop_counter::guard) -> af::task<> { co_await af::test::manual_future<int>().get(); }(
                drops.make());
        });
        EXPECT_TRUE(f.poll(cx).is_pending());
        EXPECT_EQ(drops.count(), 0);
    }
    EXPECT_EQ(drops.count(), 1);
}

TEST(then, an_exception_from_the_function_propagates) {
    auto f = af::then(af::ready(1), [](int) -> af::ready_future<int> { throw std::runtime_error("boom"); });
    EXPECT_THROW(af::block_on(std::move(f)), std::runtime_error);
}

}  // namespace

}  // namespace future_then_test
