// SPDX-License-Identifier: MIT
// af::streams::flatten and merge: one inner stream at a time; fair interleaving of two.
#include "af/stream/flatten.hpp"
#include "af/stream/merge.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "af/stream/iter.hpp"
#include "af/stream/repeat.hpp"
#include "af/test/wake_counter.hpp"
#include "stream/manual_stream.hpp"

namespace stream_flatten_test {

namespace {

TEST(flatten, drains_each_inner_stream_before_polling_the_outer_one) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_stream<af_test::manual_stream<int>::stream> outer;
    af_test::manual_stream<int> first;
    af_test::manual_stream<int> second;
    auto s = outer.get() | af::streams::flatten();
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    outer.push(first.get());
    outer.push(second.get());
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(s.poll_next(cx).is_pending());  // waiting on `first`
    int outer_polls = outer.polls();
    first.push(1);
    EXPECT_EQ(wc.count(), 2u);
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(1));
    EXPECT_EQ(outer.polls(), outer_polls);
    second.push(2);
    first.close();
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(2));
    second.close();
    outer.close();
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
    EXPECT_FALSE(first.alive());
}

TEST(flatten, flattens_ready_ranges) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    std::vector<af::streams::iter_stream<std::vector<int>>> parts;
    parts.push_back(af::streams::iter(std::vector<int>{1, 2}));
    parts.push_back(af::streams::iter(std::vector<int>{}));
    parts.push_back(af::streams::iter(std::vector<int>{3}));
    auto s = af::streams::iter(std::move(parts)) | af::streams::flatten();
    std::vector<int> out;
    while (auto v = s.poll_next(cx).value()) out.push_back(*v);
    EXPECT_EQ(out, (std::vector<int>{1, 2, 3}));
}

TEST(merge, alternates_between_two_ready_streams) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::streams::repeat(1) | af::streams::merge(af::streams::repeat(2));
    std::vector<int> out;
    for (int i = 0; i < 4; ++i) out.push_back(*s.poll_next(cx).value());
    EXPECT_EQ(out, (std::vector<int>{1, 2, 1, 2}));
}

TEST(merge, yields_from_whichever_is_ready_and_ends_when_both_ended) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_stream<int> a;
    af_test::manual_stream<int> b;
    auto s = a.get() | af::streams::merge(b.get());
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    b.push(7);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(7));
    a.close();
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    int a_end_polls = a.end_polls();
    b.push(8);
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(8));
    EXPECT_EQ(a.end_polls(), a_end_polls);  // an ended side is not polled again
    b.close();
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
}

}  // namespace

}  // namespace stream_flatten_test
