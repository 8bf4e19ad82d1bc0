// SPDX-License-Identifier: MIT
// af::sinks::fanout: every item to both sinks, only when both have room; flush and close drive
// both.
#include "af/sink/fanout.hpp"

#include <gtest/gtest.h>

#include <string>

#include "af/channel/mpsc.hpp"
#include "af/executor/block_on.hpp"
#include "af/sink/close.hpp"
#include "af/sink/flush.hpp"
#include "af/sink/send.hpp"
#include "af/test/wake_counter.hpp"
#include "sink/manual_sink.hpp"

namespace sink_fanout_test {

namespace {

using log_t = af_test::manual_sink::log_t;

TEST(fanout, sends_every_item_to_both_sinks) {
    af_test::manual_sink a, b;
    auto s = a.clone() | af::sinks::fanout(b.clone());
    static_assert(af::sink<decltype(s), int>);
    for (int i = 1; i <= 3; ++i) af::block_on(af::sinks::send(s, i));
    EXPECT_EQ(a.st().delivered, (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(b.st().delivered, (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(a.st().violations + b.st().violations, 0);
}

TEST(fanout, an_item_goes_to_neither_until_both_are_ready) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_sink a, b;
    auto s = a.clone() | af::sinks::fanout(b.clone());
    b.set_ready(false);
    auto f = af::sinks::send(s, 7);
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_TRUE(a.st().buffer.empty());
    EXPECT_TRUE(b.st().buffer.empty());
    b.set_ready(true);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(f.poll(cx).is_ready());
    EXPECT_EQ(a.st().delivered, std::vector<int>{7});
    EXPECT_EQ(b.st().delivered, std::vector<int>{7});
    EXPECT_EQ(a.st().violations + b.st().violations, 0);
}

TEST(fanout, the_ready_channel_keeps_its_slot_while_the_other_is_full) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto [ta, ra] = af::channel::mpsc::bounded<std::string>(1);
    auto [tb, rb] = af::channel::mpsc::bounded<std::string>(1);
    auto a_other = ta;
    ASSERT_TRUE(tb.try_send("old"));  // b is full
    auto s = std::move(ta) | af::sinks::fanout(std::move(tb));
    auto f = af::sinks::send(s, std::string("x"));
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_TRUE(a_other.try_send("jump").is_full());  // a's slot is held for the fanout
    EXPECT_EQ(*rb.poll_next(cx).value(), "old");
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(f.poll(cx).is_ready());
    EXPECT_EQ(*ra.poll_next(cx).value(), "x");
    EXPECT_EQ(*rb.poll_next(cx).value(), "x");
}

TEST(fanout, flush_drives_both_and_is_ready_when_both_are) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_sink a, b;
    auto s = a.clone() | af::sinks::fanout(b.clone());
    a.set_flush_ready(false);
    auto f = af::sinks::send(s, 1);
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_EQ(b.st().delivered, std::vector<int>{1});  // b flushed although a is still busy
    EXPECT_EQ(a.st().buffer, std::vector<int>{1});
    a.set_flush_ready(true);
    EXPECT_TRUE(f.poll(cx).is_ready());
    EXPECT_EQ(a.st().delivered, std::vector<int>{1});
}

TEST(fanout, close_closes_both_and_does_not_close_one_twice) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_sink a, b;
    auto s = a.clone() | af::sinks::fanout(b.clone());
    b.set_close_ready(false);
    auto c = af::sinks::close(s);
    EXPECT_TRUE(c.poll(cx).is_pending());
    EXPECT_TRUE(a.st().closed);
    EXPECT_FALSE(b.st().closed);
    b.set_close_ready(true);
    EXPECT_TRUE(c.poll(cx).is_ready());
    EXPECT_TRUE(b.st().closed);
    EXPECT_EQ(a.st().log, (log_t{"close"}));
    EXPECT_EQ(a.st().violations + b.st().violations, 0);
}

TEST(fanout, fails_when_one_receiver_is_gone) {
    auto [ta, ra] = af::channel::mpsc::bounded<int>(1);
    auto [tb, rb] = af::channel::mpsc::bounded<int>(1);
    auto s = std::move(ta) | af::sinks::fanout(std::move(tb));
    { auto gone = std::move(rb); }
    EXPECT_THROW(af::block_on(af::sinks::send(s, 1)), af::closed_error);
}

}  // namespace

}  // namespace sink_fanout_test
