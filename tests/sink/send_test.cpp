// SPDX-License-Identifier: MIT
// af::sinks::send, feed, flush and close: the order of the sink calls, what a dropped future
// leaves behind, and errors.
#include "af/sink/send.hpp"
#include "af/sink/close.hpp"
#include "af/sink/feed.hpp"
#include "af/sink/flush.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "af/executor/block_on.hpp"
#include "af/test/wake_counter.hpp"
#include "sink/manual_sink.hpp"

namespace sink_send_test {

namespace {

using log_t = af_test::manual_sink::log_t;

TEST(send, waits_for_room_then_hands_over_then_flushes) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_sink s;
    s.set_ready(false);
    s.set_flush_ready(false);
    auto f = af::sinks::send(s, 1);
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_EQ(s.st().log, (log_t{"ready"}));
    s.set_ready(true);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(f.poll(cx).is_pending());  // handed over, flush pending
    EXPECT_EQ(s.st().log, (log_t{"ready", "ready", "send 1", "flush"}));
    EXPECT_EQ(s.st().buffer, std::vector<int>{1});
    s.set_flush_ready(true);
    EXPECT_EQ(wc.count(), 2u);
    EXPECT_TRUE(f.poll(cx).is_ready());  // only the flush is polled again
    EXPECT_EQ(s.st().log, (log_t{"ready", "ready", "send 1", "flush", "flush"}));
    EXPECT_EQ(s.st().delivered, std::vector<int>{1});
    EXPECT_EQ(s.st().violations, 0);
}

TEST(send, dropped_before_room_never_reaches_the_sink) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_sink s;
    s.set_ready(false);
    {
        auto f = af::sinks::send(s, 1);
        EXPECT_TRUE(f.poll(cx).is_pending());
    }
    s.set_ready(true);
    EXPECT_EQ(s.st().log, (log_t{"ready"}));
    EXPECT_TRUE(s.st().buffer.empty());
    EXPECT_TRUE(s.st().delivered.empty());
}

TEST(send, dropped_during_the_flush_leaves_the_item_in_the_buffer_for_a_later_flush) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_sink s;
    s.set_flush_ready(false);
    {
        auto f = af::sinks::send(s, 4);
        EXPECT_TRUE(f.poll(cx).is_pending());
    }
    EXPECT_EQ(s.st().buffer, std::vector<int>{4});
    s.set_flush_ready(true);
    auto fl = af::sinks::flush(s);
    EXPECT_TRUE(fl.poll(cx).is_ready());
    EXPECT_EQ(s.st().delivered, std::vector<int>{4});
}

TEST(send, rethrows_what_the_sink_throws_and_keeps_the_item_out) {
    af_test::manual_sink s;
    s.st().throw_on_ready = true;
    EXPECT_THROW(af::block_on(af::sinks::send(s, 1)), std::runtime_error);
    EXPECT_TRUE(s.st().buffer.empty());
}

TEST(feed, hands_over_without_flushing_and_one_flush_delivers_the_batch) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_sink s;
    auto a = af::sinks::feed(s, 1);
    EXPECT_TRUE(a.poll(cx).is_ready());
    auto b = af::sinks::feed(s, 2);
    EXPECT_TRUE(b.poll(cx).is_ready());
    EXPECT_EQ(s.st().log, (log_t{"ready", "send 1", "ready", "send 2"}));
    EXPECT_EQ(s.st().buffer, (std::vector<int>{1, 2}));
    EXPECT_TRUE(s.st().delivered.empty());

    s.set_flush_ready(false);
    auto fl = af::sinks::flush(s);
    EXPECT_TRUE(fl.poll(cx).is_pending());
    s.set_flush_ready(true);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(fl.poll(cx).is_ready());
    EXPECT_EQ(s.st().delivered, (std::vector<int>{1, 2}));
}

TEST(feed, waits_for_room_and_is_woken_by_the_sink) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_sink s;
    s.set_ready(false);
    auto f = af::sinks::feed(s, 9);
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_EQ(wc.count(), 0u);
    s.set_ready(true);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(f.poll(cx).is_ready());
    EXPECT_EQ(s.st().buffer, std::vector<int>{9});
}

TEST(close, flushes_the_buffer_then_closes_and_waits_for_both) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_sink s;
    af::block_on(af::sinks::feed(s, 5));
    s.set_close_ready(false);
    auto c = af::sinks::close(s);
    EXPECT_TRUE(c.poll(cx).is_pending());
    EXPECT_FALSE(s.st().closed);
    s.set_close_ready(true);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(c.poll(cx).is_ready());
    EXPECT_TRUE(s.st().closed);
    EXPECT_EQ(s.st().delivered, std::vector<int>{5});
    EXPECT_EQ(s.st().violations, 0);
}

TEST(send, works_under_block_on_in_a_row) {
    af_test::manual_sink s;
    for (int i = 0; i < 3; ++i) af::block_on(af::sinks::send(s, i));
    af::block_on(af::sinks::close(s));
    EXPECT_EQ(s.st().delivered, (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(s.st().violations, 0);
}

}  // namespace

}  // namespace sink_send_test
