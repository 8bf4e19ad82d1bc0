// SPDX-License-Identifier: MIT
#include "af/time/sleep.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "af/core/coop.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "af/test/wake_counter.hpp"
#include "time/support.hpp"

namespace time_sleep_test {

using namespace std::chrono_literals;
using af::time::test::installed_driver;

TEST(sleep, is_at_most_64_bytes) { EXPECT_LE(sizeof(af::time::sleep_future), 64u); }

TEST(sleep, polled_outside_a_runtime_with_time_throws_a_clear_error) {
    auto s = af::time::sleep(1ms);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    try {
        (void)s.poll(cx);
        FAIL() << "no exception";
    } catch (const std::logic_error& e) {
        EXPECT_STREQ(e.what(), "af::time::sleep called outside an af runtime; call it from inside a runtime "
                               "(block_on/spawn) or enter one with handle.enter()");
    }
}

TEST(sleep, is_pending_until_the_clock_reaches_its_deadline_then_ready) {
    installed_driver t;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::time::sleep(10ms);
    EXPECT_EQ(s.deadline(), t.drv.now() + 10ms);
    EXPECT_TRUE(s.poll(cx).is_pending());
    EXPECT_EQ(t.drv.pending(), 1u);
    t.drv.advance(9ms);
    EXPECT_EQ(wc.count(), 0u);
    EXPECT_FALSE(s.is_elapsed());
    t.drv.advance(1ms);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(s.is_elapsed());
    EXPECT_TRUE(s.poll(cx).is_ready());
    EXPECT_EQ(t.drv.pending(), 0u);
}

TEST(sleep, with_a_deadline_already_passed_is_ready_at_once_without_a_timer) {
    installed_driver t;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::time::sleep_until(t.drv.now() - 1ms);
    EXPECT_TRUE(s.poll(cx).is_ready());
    EXPECT_TRUE(s.is_elapsed());
    EXPECT_EQ(t.drv.pending(), 0u);
    auto z = af::time::sleep(0ms);
    EXPECT_TRUE(z.poll(cx).is_ready());
}

TEST(sleep, destroying_a_pending_sleep_unregisters_it_and_drops_its_waker) {
    installed_driver t;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    {
        auto a = af::time::sleep(5ms);
        auto b = af::time::sleep(1h);
        EXPECT_TRUE(a.poll(cx).is_pending());
        EXPECT_TRUE(b.poll(cx).is_pending());
        EXPECT_EQ(t.drv.pending(), 2u);
        EXPECT_EQ(wc.clones_alive(), 2u);
    }
    EXPECT_EQ(t.drv.pending(), 0u);
    EXPECT_EQ(wc.clones_alive(), 0u);
    EXPECT_EQ(t.drv.next_deadline(), std::nullopt);
    t.drv.advance(2h);
    EXPECT_EQ(wc.count(), 0u);
}

TEST(sleep, a_repoll_with_another_waker_wakes_only_the_new_one) {
    installed_driver t;
    af::test::wake_counter first, second;
    af::context cx1(first.waker()), cx2(second.waker());
    auto s = af::time::sleep(3ms);
    EXPECT_TRUE(s.poll(cx1).is_pending());
    EXPECT_TRUE(s.poll(cx2).is_pending());
    t.drv.advance(3ms);
    EXPECT_EQ(first.count(), 0u);
    EXPECT_EQ(second.count(), 1u);
}

TEST(sleep, reset_moves_the_deadline_of_a_pending_sleep_and_rearms_an_elapsed_one) {
    installed_driver t;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::time::sleep(10ms);
    EXPECT_TRUE(s.poll(cx).is_pending());
    s.reset(t.drv.now() + 2ms);
    t.drv.advance(2ms);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(s.poll(cx).is_ready());
    s.reset(t.drv.now() + 4ms);
    EXPECT_FALSE(s.is_elapsed());
    EXPECT_TRUE(s.poll(cx).is_pending());
    t.drv.advance(4ms);
    EXPECT_EQ(wc.count(), 2u);
    EXPECT_TRUE(s.poll(cx).is_ready());
}

// Issue 11, defect 5: a registered sleep reset to a deadline already passed used to stay
// pending until the driver's next turn.
TEST(sleep, reset_to_a_deadline_in_the_past_is_ready_at_once_and_wakes_its_task) {
    installed_driver t;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::time::sleep(10s);
    EXPECT_TRUE(s.poll(cx).is_pending());
    s.reset(t.drv.now() - 1ms);  // no advance, no driver turn
    EXPECT_TRUE(s.is_elapsed());
    EXPECT_EQ(wc.count(), 1u);   // a task waiting on it is woken, as for any other deadline
    EXPECT_TRUE(s.poll(cx).is_ready());
    EXPECT_EQ(t.drv.pending(), 0u);
}

TEST(sleep, reset_to_now_is_ready_at_once) {
    installed_driver t;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::time::sleep(10s);
    EXPECT_TRUE(s.poll(cx).is_pending());
    s.reset(t.drv.now());
    EXPECT_TRUE(s.poll(cx).is_ready());
    EXPECT_EQ(t.drv.pending(), 0u);
}

// A registered sleep whose deadline the clock has passed is ready when polled, even before
// the driver has fired it ("ready once now() >= deadline").
TEST(sleep, a_registered_sleep_polled_after_its_deadline_is_ready_before_the_driver_fires_it) {
    installed_driver t(false);  // running clock, nobody turns the driver
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::time::sleep(2ms);
    EXPECT_TRUE(s.poll(cx).is_pending());
    std::this_thread::sleep_for(5ms);
    EXPECT_TRUE(s.poll(cx).is_ready());
    EXPECT_TRUE(s.is_elapsed());
    EXPECT_EQ(t.drv.pending(), 0u);
}

TEST(sleep, an_elapsed_sleep_spends_cooperative_budget) {
    installed_driver t;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::time::sleep(0ms);
    {
        af::coop::budget_scope budget(0);  // spent
        EXPECT_TRUE(s.poll(cx).is_pending());
        EXPECT_EQ(wc.count(), 1u);  // woken to run again later
    }
    af::coop::budget_scope budget(1);
    EXPECT_TRUE(s.poll(cx).is_ready());
    EXPECT_EQ(af::coop::detail::budget(), 0);
}

// Destroying a sleep on one thread while another fires it: the destructor either unlinks it or
// sees it fired, never both (run under TSan / ASan).
TEST(sleep, destruction_races_with_fire_due_on_another_thread_safely) {
    installed_driver t;
    af::test::wake_counter wc;
    for (int i = 0; i < 300; ++i) {
        auto s = std::make_unique<af::time::sleep_future>(af::time::sleep(1ms));
        {
            af::context cx(wc.waker());
            ASSERT_TRUE(s->poll(cx).is_pending());
        }
        std::thread firer([&] { t.drv.advance(1ms); });
        if (i % 2) std::this_thread::yield();
        s.reset();
        firer.join();
        ASSERT_EQ(t.drv.pending(), 0u);
    }
    EXPECT_EQ(wc.clones_alive(), 0u);
}

// One million pending sleeps: their memory is the futures themselves, and insert / cancel are
// O(1). Times are printed, not asserted (they depend on the machine and on sanitizers).
TEST(sleep, a_million_pending_sleeps_register_and_cancel_cheaply) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    constexpr std::size_t n = 100'000;  // sanitizers: keep the test fast
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
    constexpr std::size_t n = 100'000;
#else
    constexpr std::size_t n = 1'000'000;
#endif
#else
    constexpr std::size_t n = 1'000'000;
#endif
    installed_driver t;
    const af::waker noop = af::waker::noop();
    af::context cx(noop);
    std::vector<af::time::sleep_future> sleeps;
    sleeps.reserve(n);
    const auto now = t.drv.now();
    for (std::size_t i = 0; i < n; ++i)  // spread over an hour: every wheel level is used
        sleeps.emplace_back(now + std::chrono::milliseconds(1 + (i * 7919) % 3'600'000));
    using clk = std::chrono::steady_clock;
    const auto t0 = clk::now();
    for (auto& s : sleeps) ASSERT_TRUE(s.poll(cx).is_pending());
    const auto t1 = clk::now();
    EXPECT_EQ(t.drv.pending(), n);
    sleeps.clear();  // cancels each
    const auto t2 = clk::now();
    EXPECT_EQ(t.drv.pending(), 0u);
    const double ins = std::chrono::duration<double, std::nano>(t1 - t0).count() / double(n);
    const double can = std::chrono::duration<double, std::nano>(t2 - t1).count() / double(n);
    std::printf("[ timers   ] %zu sleeps, %zu bytes each (%.1f MB), insert %.1f ns, cancel %.1f ns\n", n,
                sizeof(af::time::sleep_future), double(n * sizeof(af::time::sleep_future)) / 1e6, ins, can);
}

// On the multi-thread runtime with the real clock: many tasks sleep, possibly on other workers
// than the one that fires them; none wakes early, and every timer is gone at the end.
TEST(sleep, on_a_multi_thread_runtime_many_sleepers_wake_on_time) {
    af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(2).enable_time().build();
    std::atomic<int> early{0}, done{0};
    rt.block_on([&]() -> af::task<> {
        std::vector<af::join_handle<void>> hs;
        for (int i = 0; i < 200; ++i) {
            hs.push_back(af::rt::spawn([](int i, std::atomic<int>& early, std::atomic<int>& done) -> af::task<> {
                const auto d = std::chrono::milliseconds(i % 20);
                const auto start = af::time::instant::now();
                co_await af::time::sleep(d);
                if (start.elapsed() < d) early.fetch_add(1);
                done.fetch_add(1);
            }(i, early, done)));
        }
        for (auto& h : hs) co_await std::move(h);
    }());
    EXPECT_EQ(done.load(), 200);
    EXPECT_EQ(early.load(), 0);
    EXPECT_EQ(rt.metrics().timers_pending, 0u);
}

}  // namespace time_sleep_test
