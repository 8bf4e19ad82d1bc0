// SPDX-License-Identifier: MIT
// af::sinks::send_all: drains a stream into a sink, flushing when the stream is pending and at
// the end, respecting backpressure, borrowing or owning the stream.
#include "af/sink/send_all.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "af/executor/block_on.hpp"
#include "af/stream/iter.hpp"
#include "af/test/wake_counter.hpp"
#include "sink/manual_sink.hpp"
#include "stream/manual_stream.hpp"

namespace sink_send_all_test {

namespace {

using log_t = af_test::manual_sink::log_t;

TEST(send_all, drains_a_stream_with_pending_points_and_flushes_while_it_waits) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_sink s;
    af_test::manual_stream<int> src;
    auto f = af::sinks::send_all(s, src.get());
    src.push(1);
    src.push(2);
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_EQ(s.st().log, (log_t{"ready", "send 1", "ready", "send 2", "flush"}));
    EXPECT_EQ(s.st().delivered, (std::vector<int>{1, 2}));
    src.push(3);
    EXPECT_EQ(wc.count(), 1u);
    s.st().log.clear();
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_EQ(s.st().log, (log_t{"ready", "send 3", "flush"}));
    src.close();
    EXPECT_EQ(wc.count(), 2u);
    s.st().log.clear();
    EXPECT_TRUE(f.poll(cx).is_ready());
    EXPECT_EQ(s.st().log, (log_t{"flush"}));  // the last flush; send_all does not close
    EXPECT_EQ(s.st().delivered, (std::vector<int>{1, 2, 3}));
    EXPECT_FALSE(s.st().closed);
    EXPECT_EQ(s.st().violations, 0);
}

TEST(send_all, stops_pulling_from_the_stream_while_the_sink_has_no_room) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_sink s;
    af_test::manual_stream<int> src;
    src.push(1);
    src.push(2);
    s.set_ready(false);
    auto f = af::sinks::send_all(s, src.get());
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_EQ(src.polls(), 1);  // item 1 in hand, item 2 left in the stream
    s.set_ready(true);
    EXPECT_EQ(wc.count(), 1u);
    src.close();
    EXPECT_TRUE(f.poll(cx).is_ready());
    EXPECT_EQ(s.st().delivered, (std::vector<int>{1, 2}));
}

TEST(send_all, waits_for_the_final_flush) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_sink s;
    s.set_flush_ready(false);
    auto f = af::sinks::send_all(s, af::streams::iter(std::vector<int>{4, 5}));
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_EQ(s.st().buffer, (std::vector<int>{4, 5}));
    s.set_flush_ready(true);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(f.poll(cx).is_ready());
    EXPECT_EQ(s.st().delivered, (std::vector<int>{4, 5}));
}

TEST(send_all, a_borrowed_stream_keeps_its_untaken_items_when_the_future_is_dropped) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_sink s;
    auto src = af::streams::iter(std::vector<int>{1, 2, 3});
    s.set_ready(false);
    {
        auto f = af::sinks::send_all(s, src);
        EXPECT_TRUE(f.poll(cx).is_pending());
    }  // item 1 was in hand and is lost with the future
    EXPECT_EQ(*src.poll_next(cx).value(), 2);
    s.set_ready(true);
    af::block_on(af::sinks::send_all(s, src));
    EXPECT_EQ(s.st().delivered, (std::vector<int>{3}));
}

TEST(send_all, an_empty_stream_only_flushes) {
    af_test::manual_sink s;
    af::block_on(af::sinks::send_all(s, af::streams::iter(std::vector<int>{})));
    EXPECT_EQ(s.st().log, (log_t{"flush"}));
}

TEST(send_all, rethrows_a_sink_error) {
    af_test::manual_sink s;
    s.st().throw_on_ready = true;
    EXPECT_THROW(af::block_on(af::sinks::send_all(s, af::streams::iter(std::vector<int>{1}))),
                 std::runtime_error);
}

}  // namespace

}  // namespace sink_send_all_test
