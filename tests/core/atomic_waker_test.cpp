// SPDX-License-Identifier: MIT
#include "af/core/atomic_waker.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "af/test/wake_counter.hpp"

namespace core_atomic_waker_test {

namespace {

// An empty slot is the no-op waker, not a std::optional: one state word and one waker.
TEST(atomic_waker, is_three_words) { static_assert(sizeof(af::atomic_waker) == 3 * sizeof(void*)); }

TEST(atomic_waker, wake_without_registration_does_nothing) {
    af::atomic_waker aw;
    aw.wake();
    EXPECT_FALSE(aw.take().has_value());
}

TEST(atomic_waker, wakes_the_registered_waker_once_and_empties) {
    af::atomic_waker aw;
    af::test::wake_counter wc;
    aw.register_waker(wc.waker());
    EXPECT_EQ(wc.clones_alive(), 1u);
    aw.wake();
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(wc.clones_alive(), 0u);
    aw.wake();
    EXPECT_EQ(wc.count(), 1u);
}

TEST(atomic_waker, re_registering_the_same_task_does_not_clone_again) {
    af::atomic_waker aw;
    af::test::wake_counter wc, other;
    aw.register_waker(wc.waker());
    aw.register_waker(wc.waker());
    EXPECT_EQ(wc.clones_alive(), 1u);
    aw.register_waker(other.waker());
    EXPECT_EQ(wc.clones_alive(), 0u);
    aw.wake();
    EXPECT_EQ(other.count(), 1u);
    EXPECT_EQ(wc.count(), 0u);
}

// The consumer protocol: register, then check the flag. A wake racing the registration must never
// be lost: after the producer has set the flag and woken, the consumer either sees the flag or is
// woken.
TEST(atomic_waker, never_loses_a_wake_that_races_registration) {
    for (int round = 0; round < 2000; ++round) {
        af::atomic_waker aw;
        std::atomic<bool> flag{false};
        af::test::wake_counter wc;
        std::thread producer([&] {
            flag.store(true, std::memory_order_release);
            aw.wake();
        });
        aw.register_waker(wc.waker());
        bool seen = flag.load(std::memory_order_acquire);
        producer.join();
        EXPECT_TRUE(seen || wc.count() >= 1u) << "round " << round;
    }
}

}  // namespace

}  // namespace core_atomic_waker_test
