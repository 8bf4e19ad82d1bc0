// SPDX-License-Identifier: MIT
// af-model-plant: AF_MODEL_PLANT_DEFECT_3
// The multi_thread scheduler's idle/notify handshake (src/rt/idle.hpp): a task published while
// the last worker parks is never left with every worker parked (issue 11, defect 3).
//
// The workers run the loop of mt_core::run_worker (src/rt/multi_thread.cpp) cut down to what the
// handshake needs: look for work, try to become a searcher, look again, park (to_parked, the
// last look if last searcher, the worker parker on a driver or a condition variable),
// from_parked. The queue is a count of tasks: taking one is a CAS, the last look a relaxed load,
// as the local queue's and injection queue's size hints are. The one task shuts the scenario
// down when it runs (sets `closed`, unparks every worker), so a lost wake-up leaves every worker
// parked and the body blocked joining them: the checker reports a deadlock.
#include "../../src/rt/idle.hpp"

#include <af_model/model.hpp>
#include <gtest/gtest.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <utility>

namespace {

using af::rt::detail::idle;
using af::rt::detail::worker_parker;
namespace model = af::model;

// The runtime's driver without time or I/O: a flag under a mutex (driver::park's cv mode).
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

struct scenario {
    explicit scenario(std::size_t n) : workers(n), idle_(n), parkers(std::make_unique<worker_parker[]>(n)) {}

    std::size_t workers;
    idle idle_;
    std::unique_ptr<worker_parker[]> parkers;
    fake_driver driver;
    af::rt::detail::driver_slot driver_slot;
    model::atomic<int> queued{0};
    model::atomic<bool> closed{false};
    int ran = 0;  // fibers: one runs at a time

    bool take() {
        // Relaxed: a stale zero is a miss, as a pop's stale view of the queue is.
        int n = queued.load(std::memory_order_relaxed);
        while (n > 0) {
            // Acquire: as a pop's CAS on head.
            if (queued.compare_exchange_weak(n, n - 1, std::memory_order_acquire, std::memory_order_relaxed)) return true;
        }
        return false;
    }
    // mt_core::work_pending: relaxed looks at the queues.
    bool work_pending() { return queued.load(std::memory_order_relaxed) > 0; }
    void notify_one() {
        std::ptrdiff_t id = idle_.worker_to_notify();
        if (id >= 0) parkers[static_cast<std::size_t>(id)].unpark(driver);
    }
    // The task: counts itself and shuts down, as mt_core::shutdown does.
    void run_task() {
        ++ran;
        closed.store(true, std::memory_order_release);
        for (std::size_t i = 0; i < workers; ++i) parkers[i].unpark(driver);
    }

    void run_worker(std::size_t id) {
        bool searching = false;
        // Acquire: as mt_core::closed().
        while (!closed.load(std::memory_order_acquire)) {
            bool got = take();
            if (!got) {  // mt_core::steal
                if (!searching) searching = idle_.to_searching();
                if (searching) got = take();
            }
            if (got) {  // mt_core::run_task
                if (std::exchange(searching, false) && idle_.from_searching() && work_pending()) notify_one();
                run_task();
                continue;
            }
            // mt_core::park
            bool was_searching = std::exchange(searching, false);
            if (idle_.to_parked(id, was_searching) && work_pending()) notify_one();
            if (closed.load(std::memory_order_acquire)) {
                idle_.from_parked(id);
                return;
            }
            parkers[id].park(driver_slot, driver, false);
            if (idle_.from_parked(id)) searching = true;
        }
    }
};

// The body: `n` workers start idle; the body thread publishes one task and notifies, as
// mt_core::schedule does for a wake from outside the runtime.
void publish_while_workers_park(std::size_t n) {
    scenario s(n);
    model::thread w0([&] { s.run_worker(0); });
    std::unique_ptr<model::thread> w1;
    if (n > 1) w1 = std::make_unique<model::thread>([&] { s.run_worker(1); });
    // Release: as the local queue's tail store (the injection queue's is under its mutex).
    s.queued.store(1, std::memory_order_release);
    s.notify_one();
    w0.join();
    if (w1) w1->join();
    AF_MODEL_ASSERT(s.ran == 1);
}

model::options opts() {
    model::options o;  // preemption bound 2, weak memory
    o.max_executions = 2000000;
    return o;
}

TEST(idle_model, a_task_published_while_the_only_worker_parks_is_run) {
    model::result r = model::check(opts(), [] { publish_while_workers_park(1); });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
    std::printf("executions: %zu\n", r.executions);
}

TEST(idle_model, a_task_published_while_two_workers_park_is_run) {
    model::result r = model::check(opts(), [] { publish_while_workers_park(2); });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
    std::printf("executions: %zu\n", r.executions);
}

// With the fence and load of the notifier (the code before issue 11) the notifier may read the
// state from before the worker's to_parked while the worker's relaxed last look misses the push:
// the worker sleeps with the task queued. C++ allows it (the worker's seq_cst RMW is not a fence
// for its relaxed loads) and so does ARM; x86 does not, which is why no stress test saw it. The
// checker finds it because a seq_cst access takes the SC order only as a lower bound on what it
// reads, without the happens-before a fence gives (docs/design/0012-model-checker.md).
TEST(idle_model, Planted_fence_and_load_handshake_loses_the_wake_up) {
    model::result r = model::check(opts(), [] { publish_while_workers_park(1); });
    EXPECT_TRUE(r.failed) << r;
    std::printf("executions: %zu\n%s\n%s\n", r.executions, r.failure.c_str(), r.trace.c_str());
}

}  // namespace
