// SPDX-License-Identifier: MIT
// The parkers: block_on's thread parker (src/executor/thread_parker.hpp, with the condition
// variable in the futex's place) and the multi_thread worker parker (src/rt/idle.hpp). An unpark
// before the park, during it, or racing a spurious wake-up is never slept through (a sleep
// through it leaves the parked thread blocked and the body joining it: a deadlock), and what the
// unparker wrote before unparking is visible after the park.
#include "../../src/executor/thread_parker.hpp"
#include "../../src/rt/idle.hpp"

#include <af_model/model.hpp>
#include <gtest/gtest.h>

#include <cstdio>
#include <mutex>

namespace {

using af::detail::cv_sleep;
using af::detail::thread_parker_state;
using af::rt::detail::worker_parker;
namespace model = af::model;

model::options opts(bool spurious) {
    model::options o;  // preemption bound 2, weak memory
    o.spurious_wakeups = spurious;
    o.max_executions = 2000000;
    return o;
}

void expect_clean(const model::result& r) {
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
    std::printf("executions: %zu\n", r.executions);
}

// The thread parks once; the body writes a value then unparks once, concurrently. A parker
// returns from park() only for an unpark, so the value must be there.
void thread_parker_one_unpark() {
    thread_parker_state<cv_sleep> p;
    model::atomic<int> value{0};
    model::thread t([&] {
        p.park();
        // Relaxed: ordered by unpark's release and park's acquire.
        AF_MODEL_ASSERT(value.load(std::memory_order_relaxed) == 42);
    });
    value.store(42, std::memory_order_relaxed);
    p.unpark();
    t.join();
}

TEST(parker_model, thread_parker_never_sleeps_through_an_unpark) {
    expect_clean(model::check(opts(false), thread_parker_one_unpark));
}

TEST(parker_model, thread_parker_never_sleeps_through_an_unpark_with_spurious_wake_ups) {
    expect_clean(model::check(opts(true), thread_parker_one_unpark));
}

TEST(parker_model, thread_parker_unparked_before_parking_returns_at_once) {
    expect_clean(model::check(opts(false), [] {
        thread_parker_state<cv_sleep> p;
        p.unpark();
        model::thread t([&] { p.park(); });
        t.join();
    }));
}

// Two rounds, as a block_on loop parks after each pending poll: the second unpark comes after
// the first park returned (the body waits for `round`), and must wake the second park.
TEST(parker_model, thread_parker_wakes_every_round) {
    expect_clean(model::check(opts(true), [] {
        thread_parker_state<cv_sleep> p;
        model::atomic<int> round{0};
        model::thread t([&] {
            for (int i = 1; i <= 2; ++i) {
                // Acquire: the body's store before its unpark.
                while (round.load(std::memory_order_acquire) < i) p.park();
            }
        });
        round.store(1, std::memory_order_release);
        p.unpark();
        round.store(2, std::memory_order_release);
        p.unpark();
        t.join();
    }));
}

// The multi_thread runtime's driver without time or I/O: a flag under a mutex.
struct fake_driver {
    model::mutex m;
    model::condition_variable cv;
    bool notified = false;
    void park(bool) {
        std::unique_lock lk(m);
        cv.wait(lk, [&] { return notified; });
        notified = false;
    }
    void unpark() {
        {
            std::lock_guard lk(m);
            notified = true;
        }
        cv.notify_one();
    }
};

// A worker parks on the driver when its lock is free, else on its own condition variable; the
// body unparks it once. worker_parker::park may return spuriously (the worker re-checks), so
// the worker parks until it sees the flag the body set before unparking.
void worker_parker_one_unpark(bool driver_taken) {
    worker_parker p;
    fake_driver drv;
    model::mutex driver_lock;
    model::atomic<bool> work{false};
    if (driver_taken) driver_lock.lock();  // another worker sleeps on the driver
    model::thread t([&] {
        // Relaxed: ordered by the parker's mutex.
        while (!work.load(std::memory_order_relaxed)) p.park(driver_lock, drv, false);
    });
    work.store(true, std::memory_order_relaxed);
    p.unpark(drv);
    t.join();
    if (driver_taken) driver_lock.unlock();
}

TEST(parker_model, worker_parker_on_the_driver_never_sleeps_through_an_unpark) {
    expect_clean(model::check(opts(true), [] { worker_parker_one_unpark(false); }));
}

TEST(parker_model, worker_parker_on_its_condition_variable_never_sleeps_through_an_unpark) {
    expect_clean(model::check(opts(true), [] { worker_parker_one_unpark(true); }));
}

}  // namespace
