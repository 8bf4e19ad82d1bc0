// SPDX-License-Identifier: MIT
// af::streams::filter and filter_map: rejected items are skipped within one poll, pending and
// the end pass through.
#include "af/stream/filter.hpp"
#include "af/stream/filter_map.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "af/test/wake_counter.hpp"
#include "stream/manual_stream.hpp"

namespace stream_filter_test {

namespace {

TEST(filter, skips_rejected_ready_items_in_one_poll) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_stream<int> src;
    int calls = 0;
    auto s = src.get() | af::streams::filter([&](const int& v) { ++calls; return v % 2 == 0; });
    for (int v : {1, 3, 4, 5}) src.push(v);
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(4));
    EXPECT_EQ(calls, 3);
    EXPECT_TRUE(s.poll_next(cx).is_pending());  // 5 rejected, then the input is pending
    EXPECT_EQ(calls, 4);
    src.push(6);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(6));
    src.close();
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
}

TEST(filter_map, yields_engaged_results_only) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_stream<std::string> src;
    auto s = src.get() | af::streams::filter_map([](std::string l) -> std::optional<int> {
        if (l.empty()) return std::nullopt;
        return static_cast<int>(l.size());
    });
    static_assert(std::is_same_v<af::item_of<decltype(s)>, int>);
    src.push("");
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    src.push("abc");
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(3));
    src.push("");
    src.close();
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
}

}  // namespace

}  // namespace stream_filter_test
