// SPDX-License-Identifier: MIT
// af::streams::fuse, peekable, by_ref.
#include "af/stream/by_ref.hpp"
#include "af/stream/fuse.hpp"
#include "af/stream/peekable.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "af/stream/collect.hpp"
#include "af/stream/iter.hpp"
#include "af/stream/take.hpp"
#include "af/test/wake_counter.hpp"
#include "stream/manual_stream.hpp"

namespace stream_fuse_test {

namespace {

// Not fused: after its end it starts over.
struct restarting {
    using item = int;
    int n = 0;
    af::poll<std::optional<int>> poll_next(af::context&) {
        if (n == 2) {
            n = 0;
            return af::detail::stream_end<int>();
        }
        return std::optional<int>(n++);
    }
};

TEST(fuse, never_polls_the_input_after_its_end) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = restarting{} | af::streams::fuse();
    EXPECT_FALSE(s.is_terminated());
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(0));
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(1));
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
    EXPECT_TRUE(s.is_terminated());
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
}

TEST(fuse, forwards_pending_and_wakes) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_stream<int> src;
    auto s = src.get() | af::streams::fuse();
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    src.close();
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
    EXPECT_EQ(src.end_polls(), 1);
}

TEST(peekable, shows_the_next_item_without_consuming_it) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_stream<std::string> src;
    auto s = src.get() | af::streams::peekable();
    EXPECT_TRUE(s.poll_peek(cx).is_pending());
    src.push("a");
    EXPECT_EQ(wc.count(), 1u);
    auto peeked = s.poll_peek(cx);
    ASSERT_NE(peeked.value(), nullptr);
    EXPECT_EQ(*peeked.value(), "a");
    EXPECT_EQ(*s.peek().poll(cx).value(), "a");  // peeking twice reads the same item
    EXPECT_EQ(src.polls(), 2);
    EXPECT_EQ(*s.poll_next(cx).value(), "a");
    src.close();
    EXPECT_EQ(s.poll_peek(cx).value(), nullptr);
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
}

TEST(by_ref, lets_an_adaptor_borrow_a_stream_that_continues_afterwards) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::streams::iter(std::vector<int>{1, 2, 3, 4});
    auto head = af::streams::by_ref(s) | af::streams::take(2) | af::streams::collect();
    EXPECT_EQ(head.poll(cx).value(), (std::vector<int>{1, 2}));
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(3));
}

}  // namespace

}  // namespace stream_fuse_test
