// SPDX-License-Identifier: MIT
// af::streams::take, take_while, skip, skip_while: counts, predicates, and that the input is
// not polled after take/take_while ended.
#include "af/stream/skip.hpp"
#include "af/stream/skip_while.hpp"
#include "af/stream/take.hpp"
#include "af/stream/take_while.hpp"

#include <gtest/gtest.h>

#include <optional>

#include "af/stream/repeat.hpp"
#include "af/test/wake_counter.hpp"
#include "stream/manual_stream.hpp"

namespace stream_take_test {

namespace {

TEST(take, stops_after_n_items_without_polling_the_input_again) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_stream<int> src;
    auto s = src.get() | af::streams::take(2);
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    src.push(1);
    EXPECT_EQ(wc.count(), 1u);
    src.push(2);
    src.push(3);
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(1));
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(2));
    int polls = src.polls();
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
    EXPECT_EQ(src.polls(), polls);
}

TEST(take, bounds_an_endless_stream_and_take_zero_never_polls) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::streams::repeat(7) | af::streams::take(3);
    int n = 0;
    while (s.poll_next(cx).value()) ++n;
    EXPECT_EQ(n, 3);
    af_test::manual_stream<int> src;
    auto none = src.get() | af::streams::take(0);
    EXPECT_EQ(none.poll_next(cx).value(), std::nullopt);
    EXPECT_EQ(src.polls(), 0);
}

TEST(take, ends_for_good_when_the_input_ends_early) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_stream<int> src;
    auto s = src.get() | af::streams::take(5);
    src.close();
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
    EXPECT_EQ(src.end_polls(), 1);
}

TEST(take_while, ends_at_the_first_failing_item_and_drops_it) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_stream<int> src;
    auto s = src.get() | af::streams::take_while([](const int& v) { return v < 3; });
    src.push(1);
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(1));
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    src.push(5);
    src.push(2);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
    int polls = src.polls();
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
    EXPECT_EQ(src.polls(), polls);
}

TEST(skip, drops_the_first_n_items_across_pending_polls) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_stream<int> src;
    auto s = src.get() | af::streams::skip(2);
    src.push(1);
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    src.push(2);
    src.push(3);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(3));
    src.close();
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
}

TEST(skip_while, yields_from_the_first_failing_item_on_without_asking_again) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_stream<int> src;
    int calls = 0;
    auto s = src.get() | af::streams::skip_while([&](const int& v) { ++calls; return v < 3; });
    for (int v : {1, 2, 3, 1}) src.push(v);
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(3));
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(1));
    EXPECT_EQ(calls, 3);
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    src.close();
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
}

}  // namespace

}  // namespace stream_take_test
