// SPDX-License-Identifier: MIT
// af-model-plant: AF_MODEL_PLANT_DEFECT_2
// af::atomic_waker under the model checker: a task registers its waker and checks conditions
// that one or two other threads set before waking it. Whatever the interleaving and whichever
// stores the loads read, the task must end up seeing every condition (or it parks for ever: a
// deadlock). The planted executable restores the plain store of defect 2 (issue 11).
#include "af/core/atomic_waker.hpp"

#include <af_model/model.hpp>
#include <af_model/task_parker.hpp>
#include <gtest/gtest.h>

#include <cstdio>    // execution counts in the log
#include <optional>  // the second waker thread
#include <sstream>   // result to text

namespace {

using af::model::atomic;
using af::model::thread;

// The task polls until it has seen all `n` conditions; each waker thread sets one, then wakes.
void register_racing_wakes(int n) {
    af::atomic_waker aw;
    af::model::task_parker task;
    atomic<int> cond[2] = {0, 0};
    auto waker_thread = [&](int i) {
        return [&, i] {
            // Release: the condition travels with the wake, as a channel's value does.
            cond[i].store(1, std::memory_order_release);
            aw.wake();
        };
    };
    thread w0(waker_thread(0));
    std::optional<thread> w1;
    if (n == 2) w1.emplace(waker_thread(1));
    for (;;) {
        aw.register_waker(task.waker());
        bool all = true;
        for (int i = 0; i < n; ++i) all = all && cond[i].load(std::memory_order_acquire) == 1;
        if (all) break;
        task.park();
    }
    w0.join();
    if (w1) w1->join();
}

TEST(atomic_waker_model, a_wake_racing_a_registration_is_never_lost) {
    auto r = af::model::check({}, [] { register_racing_wakes(1); });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
    std::printf("one waker: %s\n", (std::ostringstream() << r).str().c_str());
}

TEST(atomic_waker_model, two_wakes_racing_a_registration_are_never_lost) {
    auto r = af::model::check({}, [] { register_racing_wakes(2); });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
    std::printf("two wakers: %s\n", (std::ostringstream() << r).str().c_str());
}

// take() racing a re-registration with another waker: the task is woken at most through the
// waker it registered last or the one before, never through a dropped one, and exactly once.
TEST(atomic_waker_model, take_racing_a_reregistration_wakes_the_task) {
    auto r = af::model::check({}, [] {
        af::atomic_waker aw;
        af::model::task_parker a, b;
        atomic<int> cond{0};
        aw.register_waker(a.waker());
        thread t([&] {
            cond.store(1, std::memory_order_release);
            if (auto w = aw.take()) std::move(*w).wake();
        });
        aw.register_waker(b.waker());
        if (cond.load(std::memory_order_acquire) != 1) {
            // Not seen yet: the wake must reach a (registered before) or b (now).
            t.join();
            AF_MODEL_ASSERT(a.wakes() + b.wakes() >= 1);
        } else {
            t.join();
        }
    });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
}

// Defect 2 restored: with the plain store the second waker's condition can stay invisible to
// the re-poll its wake caused, and nobody wakes the task again. It takes the weak-memory mode:
// every load reads the newest store in sequentially consistent mode, where the store is enough.
TEST(atomic_waker_model, Planted_defect_2_plain_store_loses_a_wake_in_weak_memory_mode) {
    auto r = af::model::check({}, [] { register_racing_wakes(2); });
    EXPECT_TRUE(r.failed) << r;
    EXPECT_NE(r.failure.find("deadlock"), std::string::npos) << r;
    std::printf("%s\n", (std::ostringstream() << r).str().c_str());
}

TEST(atomic_waker_model, Planted_defect_2_is_invisible_without_weak_memory) {
    af::model::options o;
    o.weak_memory = false;
    auto r = af::model::check(o, [] { register_racing_wakes(2); });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
}

}  // namespace
