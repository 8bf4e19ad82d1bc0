// SPDX-License-Identifier: MIT
#include "af/time/interval.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <vector>

#include "af/stream/next.hpp"
#include "af/stream/stream.hpp"
#include "af/test/wake_counter.hpp"
#include "time/support.hpp"

namespace time_interval_test {

using namespace std::chrono_literals;
using af::time::instant;
using af::time::missed_tick_behavior;
using af::time::test::installed_driver;

static_assert(af::stream<af::time::interval_timer>);

namespace {
// Takes every tick that is ready now.
std::vector<instant> ready_ticks(af::time::interval_timer& iv, af::context& cx) {
    std::vector<instant> out;
    for (;;) {
        auto p = iv.poll_tick(cx);
        if (p.is_pending()) return out;
        out.push_back(p.value());
    }
}
}  // namespace

TEST(interval, ticks_at_once_then_every_period) {
    installed_driver t;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    const instant start = t.drv.now();
    auto iv = af::time::interval(10ms);
    auto first = iv.tick();
    auto p = first.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(p.value(), start);
    EXPECT_TRUE(iv.tick().poll(cx).is_pending());
    t.drv.advance(9ms);
    EXPECT_EQ(wc.count(), 0u);
    t.drv.advance(1ms);
    EXPECT_EQ(wc.count(), 1u);
    auto q = iv.tick().poll(cx);
    ASSERT_TRUE(q.is_ready());
    EXPECT_EQ(q.value(), start + 10ms);
    EXPECT_EQ(iv.next_tick(), start + 20ms);
}

TEST(interval, interval_at_starts_at_the_given_instant) {
    installed_driver t;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    const instant start = t.drv.now() + 5ms;
    auto iv = af::time::interval_at(start, 2ms);
    EXPECT_TRUE(iv.poll_tick(cx).is_pending());
    t.drv.advance(5ms);
    EXPECT_EQ(iv.poll_tick(cx).value(), start);
}

TEST(interval, burst_delivers_the_missed_ticks_at_once) {
    installed_driver t;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    const instant s = t.drv.now();
    auto iv = af::time::interval(10ms);
    EXPECT_EQ(iv.get_missed_tick_behavior(), missed_tick_behavior::burst);
    EXPECT_EQ(ready_ticks(iv, cx).size(), 1u);
    t.drv.advance(35ms);
    EXPECT_EQ(ready_ticks(iv, cx), (std::vector<instant>{s + 10ms, s + 20ms, s + 30ms}));
    EXPECT_EQ(iv.next_tick(), s + 40ms);
}

TEST(interval, delay_restarts_the_schedule_from_the_late_tick) {
    installed_driver t;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    const instant s = t.drv.now();
    auto iv = af::time::interval(10ms);
    iv.set_missed_tick_behavior(missed_tick_behavior::delay);
    (void)ready_ticks(iv, cx);
    t.drv.advance(35ms);
    EXPECT_EQ(ready_ticks(iv, cx), (std::vector<instant>{s + 10ms}));
    EXPECT_EQ(iv.next_tick(), s + 45ms);
}

TEST(interval, skip_drops_the_missed_ticks_and_keeps_the_grid) {
    installed_driver t;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    const instant s = t.drv.now();
    auto iv = af::time::interval(10ms);
    iv.set_missed_tick_behavior(missed_tick_behavior::skip);
    (void)ready_ticks(iv, cx);
    t.drv.advance(35ms);
    EXPECT_EQ(ready_ticks(iv, cx), (std::vector<instant>{s + 10ms}));
    EXPECT_EQ(iv.next_tick(), s + 40ms);
}

TEST(interval, a_tick_taken_less_than_a_period_late_does_not_shift_the_schedule) {
    installed_driver t;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    const instant s = t.drv.now();
    auto iv = af::time::interval(10ms);
    iv.set_missed_tick_behavior(missed_tick_behavior::delay);
    (void)ready_ticks(iv, cx);
    t.drv.advance(17ms);
    EXPECT_EQ(ready_ticks(iv, cx), (std::vector<instant>{s + 10ms}));
    EXPECT_EQ(iv.next_tick(), s + 20ms);
}

TEST(interval, is_a_stream_that_never_ends) {
    installed_driver t;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    const instant s = t.drv.now();
    auto iv = af::time::interval(1ms);
    for (int i = 0; i < 3; ++i) {
        auto n = af::next(iv);
        auto p = n.poll(cx);
        if (p.is_pending()) {
            t.drv.advance(1ms);
            p = n.poll(cx);
        }
        ASSERT_TRUE(p.is_ready());
        ASSERT_TRUE(p.value().has_value());
        EXPECT_EQ(*p.value(), s + std::chrono::milliseconds(i));
    }
}

TEST(interval, reset_restarts_one_period_from_now) {
    installed_driver t;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto iv = af::time::interval(10ms);
    (void)ready_ticks(iv, cx);
    t.drv.advance(4ms);
    iv.reset();
    EXPECT_EQ(iv.next_tick(), t.drv.now() + 10ms);
    t.drv.advance(6ms);
    EXPECT_TRUE(iv.poll_tick(cx).is_pending());
    t.drv.advance(4ms);
    EXPECT_TRUE(iv.poll_tick(cx).is_ready());
}

TEST(interval, needs_a_positive_period) {
    EXPECT_THROW((void)af::time::interval_at(instant::now(), 0ms), std::invalid_argument);
}

TEST(interval, dropping_it_unregisters_its_timer) {
    installed_driver t;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    {
        auto iv = af::time::interval(10ms);
        (void)ready_ticks(iv, cx);
        EXPECT_EQ(t.drv.pending(), 1u);
    }
    EXPECT_EQ(t.drv.pending(), 0u);
}

}  // namespace time_interval_test
