// SPDX-License-Identifier: MIT
#include "af/time/clock.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <vector>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/rt/runtime.hpp"
#include "af/future/join.hpp"
#include "af/test/wake_counter.hpp"
#include "af/time/instant.hpp"
#include "af/time/sleep.hpp"
#include "time/support.hpp"

namespace time_clock_test {

using namespace std::chrono_literals;
using af::time::instant;
using af::time::test::installed_driver;

TEST(clock, functions_throw_outside_a_runtime_with_time) {
    EXPECT_THROW(af::time::pause(), std::logic_error);
    EXPECT_THROW(af::time::resume(), std::logic_error);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto a = af::time::advance(1ms);
    try {
        (void)a.poll(cx);
        FAIL() << "no exception";
    } catch (const std::logic_error& e) {
        EXPECT_STREQ(e.what(), "af::time::advance called outside an af runtime; call it from inside a runtime "
                               "(block_on/spawn) or enter one with handle.enter()");
    }
}

TEST(clock, pause_and_resume_act_on_the_current_driver) {
    installed_driver t(false);
    af::time::pause();
    EXPECT_TRUE(t.drv.is_paused());
    EXPECT_EQ(instant::now(), t.drv.now());
    af::time::resume();
    EXPECT_FALSE(t.drv.is_paused());
}

TEST(clock, advance_moves_the_clock_fires_timers_and_yields_once) {
    installed_driver t;
    af::test::wake_counter sleeper, caller;
    af::context scx(sleeper.waker()), ccx(caller.waker());
    auto s = af::time::sleep(5ms);
    EXPECT_TRUE(s.poll(scx).is_pending());
    const instant before = instant::now();
    auto a = af::time::advance(5ms);
    EXPECT_TRUE(a.poll(ccx).is_pending());  // the clock moved; now it lets the woken run
    EXPECT_EQ(instant::now(), before + 5ms);
    EXPECT_EQ(sleeper.count(), 1u);
    EXPECT_EQ(caller.count(), 1u);
    EXPECT_TRUE(a.poll(ccx).is_ready());
    EXPECT_TRUE(s.poll(scx).is_ready());
}

TEST(clock, advance_on_a_running_clock_throws) {
    installed_driver t(false);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto a = af::time::advance(1ms);
    EXPECT_THROW((void)a.poll(cx), std::logic_error);
}

namespace {
af::task<> sleeper(std::vector<int>& log, int id, std::chrono::milliseconds d) {
    co_await af::time::sleep(d);
    log.push_back(id);
}
af::task<> stepper(std::vector<int>& log) {
    co_await af::time::advance(10ms);
    log.push_back(0);
    co_await af::time::advance(20ms);
    log.push_back(0);
}
}  // namespace

TEST(clock, tasks_sleep_in_order_on_a_paused_clock_under_block_on) {
    installed_driver t;
    std::vector<int> log;
    const instant start = instant::now();
    af::block_on(af::join(sleeper(log, 2, 30ms), sleeper(log, 1, 10ms), stepper(log)));
    EXPECT_EQ(log, (std::vector<int>{1, 0, 2, 0}));
    EXPECT_EQ(instant::now(), start + 30ms);
    EXPECT_EQ(t.drv.pending(), 0u);
}

// With the runtime: a paused clock jumps to each deadline exactly when every task is idle, and
// after resume() the clock runs from where it stood, with timers still on time.
TEST(clock, a_paused_runtime_auto_advances_to_exact_deadlines_and_resumes_on_time) {
    af::rt::runtime rt = af::rt::builder().current_thread().enable_time().start_paused().build();
    const auto wall = std::chrono::steady_clock::now();
    rt.block_on([]() -> af::task<> {
        const instant start = instant::now();
        co_await af::time::sleep(1h);
        EXPECT_EQ(instant::now() - start, 1h);
        co_await af::time::sleep(1500ms);
        EXPECT_EQ(instant::now() - start, 1h + 1500ms);
        af::time::resume();
        const instant before = instant::now();
        const auto wall_before = std::chrono::steady_clock::now();
        co_await af::time::sleep(20ms);
        EXPECT_GE(instant::now() - before, 20ms);
        EXPECT_LT(std::chrono::steady_clock::now() - wall_before, 2s);  // not an hour late
    }());
    EXPECT_LT(std::chrono::steady_clock::now() - wall, 3s);
}

}  // namespace time_clock_test
