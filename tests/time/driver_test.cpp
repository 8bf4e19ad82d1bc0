// SPDX-License-Identifier: MIT
#include "af/time/detail/driver.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "af/core/wakeable.hpp"
#include "af/test/wake_counter.hpp"

namespace time_driver_test {

using namespace std::chrono_literals;
using af::time::detail::time_driver;
using af::time::detail::timer_entry;

TEST(time_driver, a_paused_clock_stands_still_until_advanced) {
    time_driver d;
    EXPECT_FALSE(d.is_paused());
    d.pause();
    EXPECT_TRUE(d.is_paused());
    const auto t0 = d.now();
    EXPECT_EQ((t0 - d.origin()) % 1ms, 0ns);  // rounded up to a whole tick
    std::this_thread::sleep_for(2ms);
    EXPECT_EQ(d.now(), t0);
    d.advance(1500us);
    EXPECT_EQ(d.now(), t0 + 1500us);
}

TEST(time_driver, resuming_continues_from_the_paused_time_without_jumping) {
    time_driver d;
    d.pause();
    d.advance(1h);
    const auto t = d.now();
    d.resume();
    EXPECT_FALSE(d.is_paused());
    const auto after = d.now();
    EXPECT_GE(after, t);
    EXPECT_LT(after, t + 1s);
}

TEST(time_driver, advance_needs_a_paused_clock_and_a_non_negative_duration) {
    time_driver d;
    EXPECT_THROW(d.advance(1ms), std::logic_error);
    d.pause();
    EXPECT_THROW(d.advance(-1ms), std::logic_error);
}

TEST(time_driver, fires_a_timer_when_its_rounded_up_deadline_is_reached) {
    time_driver d;
    d.pause();
    af::test::wake_counter wc;
    timer_entry e;
    d.register_timer(e, d.now() + 2500us, wc.waker());  // rounds up to 3 ms
    EXPECT_EQ(d.pending(), 1u);
    EXPECT_EQ(d.next_deadline(), d.now() + 3ms);
    d.advance(2500us);
    EXPECT_EQ(wc.count(), 0u);  // at the exact deadline, but not on the tick yet
    d.advance(500us);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(e.state.load(), timer_entry::fired);
    EXPECT_EQ(d.pending(), 0u);
    EXPECT_EQ(d.next_deadline(), std::nullopt);
    EXPECT_EQ(wc.clones_alive(), 0u);  // the waker was consumed by the wake
}

TEST(time_driver, fire_due_returns_how_many_fired) {
    time_driver d;
    d.pause();
    af::test::wake_counter wc;
    std::vector<std::unique_ptr<timer_entry>> es;
    for (int i = 0; i < 100; ++i) {  // more than one batch of wakers
        es.push_back(std::make_unique<timer_entry>());
        d.register_timer(*es.back(), d.now() + std::chrono::milliseconds(1 + i % 3), wc.waker());
    }
    d.advance(2ms);  // advance fires too
    EXPECT_EQ(wc.count(), 67u);
    EXPECT_EQ(d.fire_due(), 0u);
    d.advance(1ms);
    EXPECT_EQ(wc.count(), 100u);
    EXPECT_EQ(d.pending(), 0u);
}

TEST(time_driver, cancel_unregisters_and_drops_the_waker) {
    time_driver d;
    d.pause();
    af::test::wake_counter wc;
    timer_entry e;
    d.register_timer(e, d.now() + 5ms, wc.waker());
    EXPECT_EQ(wc.clones_alive(), 1u);
    d.cancel(e);
    EXPECT_EQ(d.pending(), 0u);
    EXPECT_EQ(wc.clones_alive(), 0u);
    EXPECT_EQ(d.next_deadline(), std::nullopt);
    d.advance(10ms);
    EXPECT_EQ(wc.count(), 0u);
    d.cancel(e);  // idle: no-op
}

TEST(time_driver, update_waker_replaces_the_waker_until_fired) {
    time_driver d;
    d.pause();
    af::test::wake_counter a, b;
    timer_entry e;
    d.register_timer(e, d.now() + 1ms, a.waker());
    EXPECT_TRUE(d.update_waker(e, b.waker()));
    EXPECT_EQ(a.clones_alive(), 0u);
    d.advance(1ms);
    EXPECT_EQ(a.count(), 0u);
    EXPECT_EQ(b.count(), 1u);
    EXPECT_FALSE(d.update_waker(e, a.waker()));
}

TEST(time_driver, reset_moves_a_registered_timer) {
    time_driver d;
    d.pause();
    af::test::wake_counter wc;
    timer_entry e;
    d.register_timer(e, d.now() + 10ms, wc.waker());
    d.reset_timer(e, d.now() + 2ms);
    EXPECT_EQ(d.next_deadline(), d.now() + 2ms);
    d.advance(2ms);
    EXPECT_EQ(wc.count(), 1u);
    d.reset_timer(e, d.now() + 2ms);  // fired: becomes idle, registered again by its owner
    EXPECT_EQ(e.state.load(), timer_entry::idle);
    EXPECT_EQ(d.pending(), 0u);
}

TEST(time_driver, calls_on_earlier_deadline_only_when_the_earliest_deadline_moves_earlier) {
    time_driver d;
    d.pause();
    int calls = 0;
    d.set_on_earlier_deadline([](void* p) { ++*static_cast<int*>(p); }, &calls);
    af::test::wake_counter wc;
    timer_entry a, b, c;
    d.register_timer(a, d.now() + 10ms, wc.waker());
    EXPECT_EQ(calls, 1);
    d.register_timer(b, d.now() + 20ms, wc.waker());
    EXPECT_EQ(calls, 1);
    d.register_timer(c, d.now() + 5ms, wc.waker());
    EXPECT_EQ(calls, 2);
    EXPECT_EQ(d.next_deadline(), d.now() + 5ms);
    d.cancel(a);
    d.cancel(b);
    d.cancel(c);
}

TEST(time_driver, next_deadline_is_never_later_than_the_earliest_timer_and_is_after_now_once_fired) {
    time_driver d;
    d.pause();
    af::test::wake_counter wc;
    std::vector<std::unique_ptr<timer_entry>> es;
    std::mt19937 rng(7);
    for (int i = 0; i < 200; ++i) {
        es.push_back(std::make_unique<timer_entry>());
        d.register_timer(*es.back(), d.now() + std::chrono::milliseconds(1 + rng() % 100000), wc.waker());
    }
    // Auto-advance, as the runtime does it: jump to next_deadline until nothing is left.
    std::size_t fired = 0;
    int jumps = 0;
    while (auto next = d.next_deadline()) {
        ASSERT_GT(*next, d.now());
        d.advance(*next - d.now());
        fired = wc.count();
        ++jumps;
    }
    EXPECT_EQ(fired, 200u);
    EXPECT_EQ(d.pending(), 0u);
    EXPECT_LT(jumps, 200 * 4);
}

namespace {
// A waker that calls back into the driver when woken: proves wakes happen outside its lock
// (std::mutex is not recursive; this would deadlock otherwise).
struct reentrant_waker final : af::wakeable {
    time_driver* d = nullptr;
    std::atomic<int> wakes{0};
    void wake() noexcept override {
        (void)d->pending();
        wakes.fetch_add(1);
    }
};
}  // namespace

TEST(time_driver, wakes_wakers_outside_its_lock) {
    time_driver d;
    d.pause();
    auto w = af::make_wakeable<reentrant_waker>();
    w->d = &d;
    timer_entry e;
    d.register_timer(e, d.now() + 1ms, af::waker::from(w));
    d.advance(1ms);
    EXPECT_EQ(w->wakes.load(), 1);
}

// Threads register and cancel timers while another fires them: run under TSan. Each entry is
// either cancelled by its owner or seen fired; at the end nothing is pending and every fired
// timer woke exactly once.
TEST(time_driver, concurrent_register_cancel_and_fire_are_race_free) {
    time_driver d;
    d.pause();
    af::test::wake_counter wc;
    std::atomic<bool> done{false};
    std::atomic<std::size_t> seen_fired{0};
    std::thread firer([&] {
        while (!done.load()) {
            d.advance(1ms);
            std::this_thread::yield();
        }
    });
    std::vector<std::thread> users;
    for (int t = 0; t < 3; ++t) {
        users.emplace_back([&, t] {
            std::mt19937 rng(static_cast<unsigned>(t) + 1);
            std::vector<std::unique_ptr<timer_entry>> mine;
            for (int i = 0; i < 600; ++i) {
                mine.push_back(std::make_unique<timer_entry>());
                d.register_timer(*mine.back(), d.now() + std::chrono::milliseconds(rng() % 4), wc.waker());
                if (rng() % 2 == 0) {
                    // Cancel (and destroy) a random one: it may be firing right now.
                    const std::size_t k = rng() % mine.size();
                    d.cancel(*mine[k]);
                    // After cancel: idle if it was unregistered, fired if the firer got it first.
                    if (mine[k]->state.load() == timer_entry::fired) seen_fired.fetch_add(1);
                    mine.erase(mine.begin() + static_cast<long>(k));
                }
            }
            for (auto& e : mine) {
                while (e->state.load() != timer_entry::fired) std::this_thread::yield();
                seen_fired.fetch_add(1);
            }
        });
    }
    for (auto& u : users) u.join();
    done.store(true);
    firer.join();
    EXPECT_EQ(d.pending(), 0u);
    EXPECT_EQ(wc.count(), seen_fired.load());  // every fired timer woke exactly once
    EXPECT_EQ(wc.clones_alive(), 0u);
}

}  // namespace time_driver_test
