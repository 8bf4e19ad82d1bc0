// SPDX-License-Identifier: MIT
// af::next and the af::stream concept: polls the stream in place, nullopt at the end, and a
// dropped next future loses no item.
#include "af/stream/next.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/test/wake_counter.hpp"

namespace stream_next_test {

namespace {

// A hand-written stream: pending (and self-waking) before every item.
struct slow_counter {
    using item = int;
    int n = 0;
    int limit = 3;
    bool ready = false;
    int polls = 0;
    af::poll<std::optional<int>> poll_next(af::context& cx) {
        ++polls;
        if (n == limit) return af::detail::stream_end<int>();
        if (!ready) {
            ready = true;
            cx.waker().wake_by_ref();
            return af::pending;
        }
        ready = false;
        return std::optional<int>(n++);
    }
};

struct not_a_stream {
    using item = int;
    af::poll<int> poll_next(af::context&);
};

static_assert(af::stream<slow_counter>);
static_assert(!af::stream<not_a_stream>);
static_assert(!af::stream<int>);
static_assert(std::is_same_v<af::item_of<slow_counter>, int>);
static_assert(af::future<af::next_future<slow_counter>>);
static_assert(std::is_same_v<af::output_of<af::next_future<slow_counter>>, std::optional<int>>);

TEST(next, polls_the_stream_in_place_and_forwards_its_waker) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    slow_counter s;
    auto f = af::next(s);
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(f.poll(cx).value(), std::optional<int>(0));
    EXPECT_EQ(s.polls, 2);
}

TEST(next, a_dropped_next_future_loses_no_item) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    slow_counter s;
    {
        auto f = af::next(s);
        EXPECT_TRUE(f.poll(cx).is_pending());
    }
    EXPECT_EQ(af::next(s).poll(cx).value(), std::optional<int>(0));
}

TEST(next, gives_nullopt_at_the_end_when_awaited) {
    auto got = af::block_on(af::co_invoke([]() -> af::task<std::vector<int>> {
        slow_counter s;
        std::vector<int> out;
        while (auto v = co_await af::next(s)) out.push_back(*v);
        auto again = co_await af::next(s);
        EXPECT_FALSE(again.has_value());
        co_return out;
    }));
    EXPECT_EQ(got, (std::vector<int>{0, 1, 2}));
}

}  // namespace

}  // namespace stream_next_test
