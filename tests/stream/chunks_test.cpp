// SPDX-License-Identifier: MIT
// af::streams::chunks and ready_chunks: full chunks vs whatever is ready, and the tail.
#include "af/stream/chunks.hpp"
#include "af/stream/ready_chunks.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "af/test/wake_counter.hpp"
#include "stream/manual_stream.hpp"

namespace stream_chunks_test {

namespace {

using ints = std::vector<int>;

TEST(chunks, waits_for_a_full_chunk_and_yields_the_short_tail_at_the_end) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_stream<int> src;
    auto s = src.get() | af::streams::chunks(2);
    src.push(1);
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    src.push(2);
    src.push(3);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(s.poll_next(cx).value(), std::optional(ints{1, 2}));
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    src.close();
    EXPECT_EQ(s.poll_next(cx).value(), std::optional(ints{3}));
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
    EXPECT_EQ(src.end_polls(), 1);
}

TEST(ready_chunks, yields_what_is_ready_without_waiting_to_fill) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_stream<int> src;
    auto s = src.get() | af::streams::ready_chunks(3);
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    for (int v : {1, 2, 3, 4}) src.push(v);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(s.poll_next(cx).value(), std::optional(ints{1, 2, 3}));
    EXPECT_EQ(s.poll_next(cx).value(), std::optional(ints{4}));
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    src.push(5);
    src.close();
    EXPECT_EQ(s.poll_next(cx).value(), std::optional(ints{5}));
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
}

}  // namespace

}  // namespace stream_chunks_test
