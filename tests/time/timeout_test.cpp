// SPDX-License-Identifier: MIT
#include "af/time/timeout.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>

#include "af/future/map.hpp"
#include "af/future/ready.hpp"
#include "af/test/manual_future.hpp"
#include "af/test/wake_counter.hpp"
#include "time/support.hpp"

namespace time_timeout_test {

using namespace std::chrono_literals;
using af::time::test::installed_driver;

namespace {
struct thrower {
    using output = int;
    af::poll<int> poll(af::context&) { throw std::runtime_error("boom"); }
};
}  // namespace

TEST(timeout, gives_the_value_when_the_future_finishes_first_and_unregisters_its_timer) {
    installed_driver t;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af::test::manual_future<std::string> m;
    auto f = af::time::timeout(10ms, m.get());
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_EQ(t.drv.pending(), 1u);
    t.drv.advance(5ms);
    m.set("done");
    auto p = f.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_TRUE(p.value());
    EXPECT_FALSE(p.value().elapsed());
    EXPECT_EQ(p.value().value(), "done");
    EXPECT_FALSE(m.future_alive());
    // The sleep inside is still pending until the timeout future itself is destroyed.
}

TEST(timeout, elapses_at_the_deadline_and_destroys_the_inner_future_at_once) {
    installed_driver t;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af::test::manual_future<int> m;
    auto f = af::time::timeout(10ms, m.get());
    EXPECT_TRUE(f.poll(cx).is_pending());
    t.drv.advance(9ms);
    EXPECT_EQ(wc.count(), 0u);
    t.drv.advance(1ms);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(m.future_alive());
    auto p = f.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_TRUE(p.value().elapsed());
    EXPECT_FALSE(static_cast<bool>(p.value()));
    EXPECT_FALSE(m.future_alive());  // cancelled before the result was returned
    EXPECT_THROW((void)p.value().value(), af::time::elapsed_error);
    EXPECT_EQ(t.drv.pending(), 0u);
}

TEST(timeout, a_future_ready_at_the_deadline_still_wins) {
    installed_driver t;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto f = af::time::timeout_at(t.drv.now() - 1ms, af::ready(7));
    auto p = f.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(p.value().value(), 7);
}

TEST(timeout, supports_void_futures) {
    installed_driver t;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto ok = af::time::timeout(1ms, af::ready());
    auto p = ok.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_TRUE(p.value());
    EXPECT_NO_THROW(p.value().value());

    af::test::manual_future<int> m;
    auto late = af::time::timeout(1ms, af::map(m.get(), [](int) {}));
    EXPECT_TRUE(late.poll(cx).is_pending());
    t.drv.advance(1ms);
    auto q = late.poll(cx);
    ASSERT_TRUE(q.is_ready());
    EXPECT_TRUE(q.value().elapsed());
    EXPECT_THROW(q.value().value(), af::time::elapsed_error);
}

TEST(timeout, propagates_the_inner_futures_exception) {
    installed_driver t;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto f = af::time::timeout(1ms, thrower{});
    EXPECT_THROW((void)f.poll(cx), std::runtime_error);
}

TEST(timeout, destroying_it_cancels_the_inner_future_and_the_timer) {
    installed_driver t;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af::test::manual_future<int> m;
    {
        auto f = af::time::timeout(1h, m.get());
        EXPECT_TRUE(f.poll(cx).is_pending());
        EXPECT_EQ(t.drv.pending(), 1u);
    }
    EXPECT_FALSE(m.future_alive());
    EXPECT_EQ(t.drv.pending(), 0u);
    EXPECT_EQ(wc.clones_alive(), 0u);
}

}  // namespace time_timeout_test
