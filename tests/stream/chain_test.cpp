// SPDX-License-Identifier: MIT
// af::streams::chain, zip, enumerate: ordering, which input is polled when, and the end.
#include "af/stream/chain.hpp"
#include "af/stream/enumerate.hpp"
#include "af/stream/zip.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>

#include "af/stream/iter.hpp"
#include "af/test/wake_counter.hpp"
#include "stream/manual_stream.hpp"

namespace stream_chain_test {

namespace {

TEST(chain, drains_the_first_then_the_second) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_stream<int> a;
    af_test::manual_stream<int> b;
    auto s = a.get() | af::streams::chain(b.get());
    b.push(10);
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    EXPECT_EQ(b.polls(), 0);  // the second waits for the first to end
    a.push(1);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(1));
    a.close();
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(10));
    int a_polls = a.polls();
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    EXPECT_EQ(a.polls(), a_polls);  // the first is not polled after its end
    b.close();
    EXPECT_EQ(wc.count(), 2u);
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
}

TEST(zip, keeps_a_ready_half_until_the_other_arrives) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_stream<int> a;
    af_test::manual_stream<std::string> b;
    auto s = a.get() | af::streams::zip(b.get());
    a.push(1);
    a.push(2);
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    EXPECT_EQ(a.polls(), 1);
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    EXPECT_EQ(a.polls(), 1);  // the kept half is not replaced
    b.push("one");
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(s.poll_next(cx).value(), std::optional(std::pair(1, std::string("one"))));
    b.close();
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);  // item 2 has no partner
    int a_polls = a.polls();
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
    EXPECT_EQ(a.polls(), a_polls);
}

TEST(zip, ends_when_the_first_ends_without_polling_the_second) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_stream<int> a;
    af_test::manual_stream<int> b;
    auto s = a.get() | af::streams::zip(b.get());
    a.close();
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
    EXPECT_EQ(b.polls(), 0);
}

TEST(enumerate, counts_from_zero) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_stream<std::string> src;
    auto s = src.get() | af::streams::enumerate();
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    src.push("a");
    src.push("b");
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(s.poll_next(cx).value(), std::optional(std::pair(std::size_t{0}, std::string("a"))));
    EXPECT_EQ(s.poll_next(cx).value()->first, 1u);
    src.close();
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
}

}  // namespace

}  // namespace stream_chain_test
