// SPDX-License-Identifier: MIT
// af-model-plant: AF_MODEL_PLANT_DRIVER_WAKE
// The driver's wake word (src/rt/driver_wake.hpp, ADR 0026): a wake from the driving thread is a
// flag, and the kernel is used only when the driving thread parks. The kernel sleep is modelled
// by a flag under a mutex (persistent, like the reactor's eventfd), and may end spuriously (a
// timer or an I/O event). No notify may be slept through, whether it comes before the park,
// between the announce and the sleep, during the sleep or after a spurious end of it.
#include "../../src/rt/driver_wake.hpp"

#include <af_model/model.hpp>
#include <gtest/gtest.h>

#include <cstdio>
#include <mutex>
#include <utility>

namespace driver_wake_model {

using af::rt::detail::driver_wake;
namespace model = af::model;

model::options opts() {
    model::options o;  // preemption bound 2, weak memory
    o.max_executions = 2000000;
    return o;
}

void expect_clean(const model::result& r) {
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
    std::printf("executions: %zu\n", r.executions);
}

// The driver of src/rt/runtime.cpp without time or I/O: the wake word in front of a condition
// variable sleep. The first sleep may end at once (`spurious`).
struct model_driver {
    driver_wake wake;
    model::mutex m;
    model::condition_variable cv;
    bool kernel_notified = false;
    bool spurious = false;

    void unpark() {
        if (wake.notify()) {
            {
                std::lock_guard lk(m);
                kernel_notified = true;
            }
            cv.notify_one();
        }
    }
    void park() {
        if (!wake.begin_park()) return;
        if (!std::exchange(spurious, false)) {
            std::unique_lock lk(m);
            cv.wait(lk, [&] { return kernel_notified; });
            kernel_notified = false;
        }
        wake.end_park();
    }
};

// The driving thread parks until it sees work; another thread publishes work and unparks once.
void one_remote_wake(bool spurious) {
    model_driver d;
    d.spurious = spurious;
    model::atomic<bool> work{false};
    model::thread t([&] {
        // Acquire: the body's release store before its unpark (the word carries no data).
        while (!work.load(std::memory_order_acquire)) d.park();
    });
    work.store(true, std::memory_order_release);
    d.unpark();
    t.join();
}

TEST(driver_wake_model, a_remote_wake_is_never_slept_through) {
    expect_clean(model::check(opts(), [] { one_remote_wake(false); }));
}

TEST(driver_wake_model, a_remote_wake_is_never_slept_through_after_a_spurious_return) {
    expect_clean(model::check(opts(), [] { one_remote_wake(true); }));
}

// A wake from the driving thread itself (a task waking the main future) before it parks: the
// park returns without sleeping, and the next park sleeps until the remote wake.
TEST(driver_wake_model, a_self_wake_skips_one_sleep_and_a_remote_wake_ends_the_next) {
    expect_clean(model::check(opts(), [] {
        model_driver d;
        model::atomic<int> round{0};
        model::thread t([&] {
            d.unpark();  // self-wake: only a flag, the word was idle
            d.park();    // consumes it, does not sleep
            // Acquire: see one_remote_wake.
            while (round.load(std::memory_order_acquire) < 1) d.park();
        });
        round.store(1, std::memory_order_release);
        d.unpark();
        t.join();
    }));
}

// Two rounds: the second wake comes after the first park returned and must end a later sleep.
TEST(driver_wake_model, every_round_is_woken) {
    expect_clean(model::check(opts(), [] {
        model_driver d;
        d.spurious = true;
        model::atomic<int> round{0};
        model::thread t([&] {
            for (int i = 1; i <= 2; ++i) {
                while (round.load(std::memory_order_acquire) < i) d.park();  // Acquire: as above
            }
        });
        round.store(1, std::memory_order_release);
        d.unpark();
        round.store(2, std::memory_order_release);
        d.unpark();
        t.join();
    }));
}

// With AF_MODEL_PLANT_DRIVER_WAKE the announce is a load and a store instead of one
// read-modify-write: a notify between the two is overwritten, sees no sleeper, and is slept
// through.
TEST(driver_wake_model, Planted_an_announce_that_is_not_one_read_modify_write_sleeps_through_a_wake) {
    model::result r = model::check(opts(), [] { one_remote_wake(false); });
    EXPECT_TRUE(r.failed) << r;
}

}  // namespace driver_wake_model
