// SPDX-License-Identifier: MIT
// af::streams::map and af::streams::then: transformation, pending/wake propagation, end,
// one future in flight at a time, cancellation.
#include "af/stream/map.hpp"
#include "af/stream/then.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "af/test/drop_counter.hpp"
#include "af/test/manual_future.hpp"
#include "af/test/wake_counter.hpp"
#include "stream/manual_stream.hpp"

namespace stream_map_test {

namespace {

TEST(map, transforms_items_and_forwards_pending_and_the_end) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_stream<int> src;
    auto s = src.get() | af::streams::map([](int v) { return std::to_string(v * 2); });
    static_assert(std::is_same_v<af::item_of<decltype(s)>, std::string>);
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    src.push(21);
    EXPECT_EQ(wc.count(), 1u);  // the input registered our waker
    EXPECT_EQ(*s.poll_next(cx).value(), "42");
    src.close();
    EXPECT_EQ(wc.count(), 1u);  // nobody waiting any more: push consumed the waker
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);  // fused because the input is
}

TEST(map, composes_with_itself) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_stream<int> src;
    auto s = src.get() | af::streams::map([](int v) { return v + 1; }) | af::streams::map([](int v) { return v * 10; });
    src.push(1);
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(20));
}

TEST(then, awaits_one_future_per_item_and_does_not_poll_the_input_meanwhile) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_stream<int> src;
    std::vector<af::test::manual_future<std::string>> futs(2);
    auto s = src.get() | af::streams::then([&](int i) { return futs[static_cast<std::size_t>(i)].get(); });
    src.push(0);
    src.push(1);
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    EXPECT_EQ(src.polls(), 1);
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    EXPECT_EQ(src.polls(), 1);  // item 1 waits until item 0's future is done
    futs[0].set("zero");
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(*s.poll_next(cx).value(), "zero");
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    futs[1].set("one");
    EXPECT_EQ(*s.poll_next(cx).value(), "one");
    src.close();
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
}

TEST(then, destroying_it_destroys_the_future_in_flight) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_stream<int> src;
    af::test::manual_future<int> m;
    {
        auto s = src.get() | af::streams::then([&](int) { return m.get(); });
        src.push(0);
        EXPECT_TRUE(s.poll_next(cx).is_pending());
        EXPECT_TRUE(m.future_alive());
    }
    EXPECT_FALSE(m.future_alive());
    EXPECT_FALSE(src.alive());
}

struct failing_future {
    using output = int;
    af::poll<int> poll(af::context&) { throw std::runtime_error("bad item"); }
};

struct maybe_failing {
    using output = int;
    int i;
    af::poll<int> poll(af::context& c) {
        if (i < 0) return failing_future{}.poll(c);
        return i;
    }
};

TEST(then, continues_with_the_next_item_after_a_failed_future) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_stream<int> src;
    auto s = src.get() | af::streams::then([](int i) { return maybe_failing{i}; });
    src.push(-1);
    src.push(5);
    EXPECT_THROW((void)s.poll_next(cx), std::runtime_error);
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(5));
}

}  // namespace

}  // namespace stream_map_test
