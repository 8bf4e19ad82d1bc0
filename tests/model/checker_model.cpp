// SPDX-License-Identifier: MIT
// The checker's own tests: litmus tests for the memory model, and the failures it must report
// (assertions, deadlocks, livelocks) on tiny scenarios whose answer is known.
#include <af_model/model.hpp>

#include <gtest/gtest.h>

namespace {

using af::model::atomic;
using af::model::check;
using af::model::options;
using af::model::thread;
constexpr auto relaxed = std::memory_order_relaxed;

options weak() { return options{}; }
options sc_only() {
    options o;
    o.weak_memory = false;
    return o;
}

// Store buffering: each thread stores one location, then loads the other.
void store_buffering(bool fences) {
    atomic<int> x{0}, y{0};
    int r1 = -1, r2 = -1;
    thread a([&] {
        x.store(1, relaxed);
        if (fences) af::model::fence(std::memory_order_seq_cst);
        r1 = y.load(relaxed);
    });
    thread b([&] {
        y.store(1, relaxed);
        if (fences) af::model::fence(std::memory_order_seq_cst);
        r2 = x.load(relaxed);
    });
    a.join();
    b.join();
    AF_MODEL_ASSERT(!(r1 == 0 && r2 == 0));
}

TEST(checker_litmus, store_buffering_with_relaxed_accesses_reaches_both_zero) {
    auto r = check(weak(), [] { store_buffering(false); });
    EXPECT_TRUE(r.failed) << r;
    EXPECT_NE(r.failure.find("r1 == 0 && r2 == 0"), std::string::npos) << r;
}

TEST(checker_litmus, store_buffering_with_seq_cst_fences_never_reaches_both_zero) {
    auto r = check(weak(), [] { store_buffering(true); });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
}

TEST(checker_litmus, store_buffering_with_seq_cst_accesses_never_reaches_both_zero) {
    auto r = check(weak(), [] {
        atomic<int> x{0}, y{0};
        int r1 = -1, r2 = -1;
        thread a([&] {
            x.store(1);
            r1 = y.load();
        });
        thread b([&] {
            y.store(1);
            r2 = x.load();
        });
        a.join();
        b.join();
        AF_MODEL_ASSERT(!(r1 == 0 && r2 == 0));
    });
    EXPECT_FALSE(r.failed) << r;
}

TEST(checker_litmus, store_buffering_is_not_reached_without_weak_memory) {
    auto r = check(sc_only(), [] { store_buffering(false); });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
}

// Message passing: data then flag; the reader that sees the flag must see the data.
void message_passing(std::memory_order store_flag, std::memory_order load_flag) {
    atomic<int> data{0}, flag{0};
    thread w([&] {
        data.store(42, relaxed);
        flag.store(1, store_flag);
    });
    thread r([&] {
        if (flag.load(load_flag) == 1) AF_MODEL_ASSERT(data.load(relaxed) == 42);
    });
    w.join();
    r.join();
}

TEST(checker_litmus, message_passing_with_release_acquire_always_sees_the_data) {
    auto r = check(weak(), [] { message_passing(std::memory_order_release, std::memory_order_acquire); });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
}

TEST(checker_litmus, message_passing_with_relaxed_flag_can_miss_the_data) {
    auto r = check(weak(), [] { message_passing(relaxed, relaxed); });
    EXPECT_TRUE(r.failed) << r;
}

TEST(checker_litmus, message_passing_with_fences_always_sees_the_data) {
    auto r = check(weak(), [] {
        atomic<int> data{0}, flag{0};
        thread w([&] {
            data.store(42, relaxed);
            af::model::fence(std::memory_order_release);
            flag.store(1, relaxed);
        });
        thread r([&] {
            if (flag.load(relaxed) == 1) {
                af::model::fence(std::memory_order_acquire);
                AF_MODEL_ASSERT(data.load(relaxed) == 42);
            }
        });
        w.join();
        r.join();
    });
    EXPECT_FALSE(r.failed) << r;
}

// A relaxed RMW continues the release sequence: the acquire that reads it still sees the data.
TEST(checker_litmus, release_sequence_through_a_relaxed_rmw) {
    auto r = check(weak(), [] {
        atomic<int> data{0}, flag{0};
        thread w([&] {
            data.store(42, relaxed);
            flag.store(1, std::memory_order_release);
        });
        thread m([&] { flag.fetch_add(1, relaxed); });
        thread rd([&] {
            if (flag.load(std::memory_order_acquire) == 2) AF_MODEL_ASSERT(data.load(relaxed) == 42);
        });
        w.join();
        m.join();
        rd.join();
    });
    EXPECT_FALSE(r.failed) << r;
}

// Coherence: once a thread read the newer value, it never reads the older one again.
TEST(checker_litmus, read_read_coherence) {
    auto r = check(weak(), [] {
        atomic<int> x{0};
        thread w([&] { x.store(1, relaxed); });
        thread rd([&] {
            int a = x.load(relaxed);
            int b = x.load(relaxed);
            AF_MODEL_ASSERT(!(a == 1 && b == 0));
        });
        w.join();
        rd.join();
    });
    EXPECT_FALSE(r.failed) << r;
}

// RMWs are atomic: two increments never lose one.
TEST(checker_basics, concurrent_fetch_add_never_loses_an_increment) {
    auto r = check(weak(), [] {
        atomic<int> n{0};
        thread a([&] { n.fetch_add(1, relaxed); });
        thread b([&] { n.fetch_add(1, relaxed); });
        a.join();
        b.join();
        AF_MODEL_ASSERT(n.load(relaxed) == 2);
    });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
}

// A load-then-store increment loses one in some interleaving (needs one preemption).
TEST(checker_basics, a_racy_increment_is_found) {
    auto r = check(sc_only(), [] {
        atomic<int> n{0};
        auto inc = [&] { n.store(n.load() + 1); };
        thread a(inc);
        thread b(inc);
        a.join();
        b.join();
        AF_MODEL_ASSERT(n.load() == 2);
    });
    EXPECT_TRUE(r.failed) << r;
    EXPECT_NE(r.trace.find("load"), std::string::npos) << r;
}

TEST(checker_basics, a_missed_notify_is_a_deadlock) {
    auto r = check(sc_only(), [] {
        af::model::mutex m;
        af::model::condition_variable cv;
        atomic<bool> ready{false};
        thread waiter([&] {
            if (!ready.load()) {  // checked outside the mutex: the notify can slip in between
                std::unique_lock lk(m);
                cv.wait(lk);
            }
        });
        thread notifier([&] {
            ready.store(true);
            std::lock_guard lk(m);
            cv.notify_one();
        });
        waiter.join();
        notifier.join();
    });
    EXPECT_TRUE(r.failed) << r;
    EXPECT_NE(r.failure.find("deadlock"), std::string::npos) << r;
}

TEST(checker_basics, a_predicate_wait_under_the_mutex_never_deadlocks) {
    auto r = check(weak(), [] {
        af::model::mutex m;
        af::model::condition_variable cv;
        bool ready = false;
        thread waiter([&] {
            std::unique_lock lk(m);
            cv.wait(lk, [&] { return ready; });
        });
        thread notifier([&] {
            std::lock_guard lk(m);
            ready = true;
            cv.notify_one();
        });
        waiter.join();
        notifier.join();
    });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
}

TEST(checker_basics, spurious_wakeups_are_explored_when_asked) {
    options o = sc_only();
    o.spurious_wakeups = true;
    auto r = check(o, [] {
        af::model::mutex m;
        af::model::condition_variable cv;
        bool ready = false;
        thread waiter([&] {
            std::unique_lock lk(m);
            cv.wait(lk);  // no predicate: a spurious return is a bug here
            AF_MODEL_ASSERT(ready);
        });
        thread notifier([&] {
            std::lock_guard lk(m);
            ready = true;
            cv.notify_one();
        });
        waiter.join();
        notifier.join();
    });
    EXPECT_TRUE(r.failed) << r;
}

// With spurious returns on, a predicate loop still ends: each thread takes at most one, so the
// search stays finite instead of hitting the step bound.
TEST(checker_basics, spurious_wakeups_keep_a_predicate_loop_finite) {
    options o = weak();
    o.spurious_wakeups = true;
    auto r = check(o, [] {
        af::model::mutex m;
        af::model::condition_variable cv;
        bool ready = false;
        thread waiter([&] {
            std::unique_lock lk(m);
            while (!ready) cv.wait(lk);
        });
        thread notifier([&] {
            std::lock_guard lk(m);
            ready = true;
            cv.notify_one();
        });
        waiter.join();
        notifier.join();
    });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
}

// A thread with no visible operation at all ends cleanly (it used to abort the process).
TEST(checker_basics, a_thread_with_no_visible_operation_ends) {
    auto r = check(weak(), [] {
        atomic<int> x{0};
        thread a([&] { x.store(1); });
        thread b([] {});
        a.join();
        b.join();
        AF_MODEL_ASSERT(x.load() == 1);
    });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
}

TEST(checker_basics, a_spin_loop_with_yield_terminates) {
    auto r = check(weak(), [] {
        atomic<bool> flag{false};
        thread spinner([&] {
            while (!flag.load(std::memory_order_acquire)) af::model::yield();
        });
        thread setter([&] { flag.store(true, std::memory_order_release); });
        spinner.join();
        setter.join();
    });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
}

TEST(checker_basics, a_spin_loop_nobody_ends_is_a_livelock) {
    options o = sc_only();
    o.max_steps = 200;
    auto r = check(o, [] {
        atomic<bool> flag{false};
        thread spinner([&] {
            while (!flag.load()) af::model::yield();
        });
        spinner.join();
    });
    EXPECT_TRUE(r.failed) << r;
    EXPECT_NE(r.failure.find("step bound"), std::string::npos) << r;
}

TEST(checker_basics, an_exception_thrown_and_caught_across_switches_stays_in_its_thread) {
    auto r = check(sc_only(), [] {
        atomic<int> n{0};
        auto body = [&](int id) {
            try {
                throw id;
            } catch (...) {
                n.fetch_add(1);  // a switch inside the catch block
                try {
                    throw;
                } catch (int v) {
                    AF_MODEL_ASSERT(v == id);
                }
            }
        };
        thread a([&] { body(1); });
        thread b([&] { body(2); });
        a.join();
        b.join();
    });
    EXPECT_FALSE(r.failed) << r;
}

TEST(checker_basics, preemption_bound_zero_runs_one_interleaving_per_blocking_pattern) {
    options o = sc_only();
    o.preemption_bound = 0;
    auto r = check(o, [] {
        atomic<int> n{0};
        thread a([&] { n.fetch_add(1); });
        a.join();
    });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_EQ(r.executions, 1u) << r;
}

}  // namespace
