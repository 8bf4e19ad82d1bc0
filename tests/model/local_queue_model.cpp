// SPDX-License-Identifier: MIT
// The work-stealing local queue (src/rt/local_queue.hpp): the owner pushes and pops, or moves
// half to the injection queue, while thieves steal half; every task is handed out exactly once
// and none is lost. The tasks are distinct addresses that are never dereferenced.
#include "../../src/rt/local_queue.hpp"

#include <af_model/model.hpp>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <memory>

namespace {

using af::detail::task_header;
using af::rt::detail::local_queue;
namespace model = af::model;

constexpr int max_tasks = 4;

task_header* task(int i) { return reinterpret_cast<task_header*>(static_cast<std::uintptr_t>(64 * (i + 1))); }

// How often each task was handed out; fibers run one at a time, so plain ints.
struct ledger {
    int taken[max_tasks] = {};
    void take(task_header* t) {
        auto i = reinterpret_cast<std::uintptr_t>(t) / 64;
        AF_MODEL_ASSERT(i >= 1 && i <= max_tasks);  // never a slot's stale or torn value
        ++taken[i - 1];
    }
    void take(task_header* const* ts, std::uint32_t n) {
        for (std::uint32_t k = 0; k < n; ++k) take(ts[k]);
    }
    void expect_each_once(int n) const {
        for (int i = 0; i < n; ++i) AF_MODEL_ASSERT(taken[i] == 1);
    }
};

model::options opts() {
    model::options o;  // preemption bound 2, weak memory
    o.max_executions = 2000000;
    return o;
}

void report(const model::result& r) { std::printf("executions: %zu%s\n", r.executions, r.exhaustive ? " (exhaustive)" : ""); }

TEST(local_queue_model, owner_pops_while_a_thief_steals_half_and_each_task_is_taken_once) {
    model::result r = model::check(opts(), [] {
        auto qp = std::make_unique<local_queue>();  // 258 model atomics: too big for a fiber's stack
        local_queue& q = *qp;
        ledger l;
        model::thread thief([&] {
            task_header* batch[local_queue::capacity / 2];
            l.take(batch, q.steal_half(batch));
        });
        q.push_back(task(0));
        q.push_back(task(1));
        q.push_back(task(2));
        while (task_header* t = q.pop()) l.take(t);
        thief.join();
        l.expect_each_once(3);
    });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
    report(r);
}

TEST(local_queue_model, a_slot_is_reused_only_after_its_thief_read_it) {
    // Capacity is 256, so reuse needs the ring to wrap: instead the owner pushes again after
    // popping, and the thief's claim of the old head must not hand out the new task twice.
    model::result r = model::check(opts(), [] {
        auto qp = std::make_unique<local_queue>();  // 258 model atomics: too big for a fiber's stack
        local_queue& q = *qp;
        ledger l;
        q.push_back(task(0));
        model::thread thief([&] {
            task_header* batch[local_queue::capacity / 2];
            l.take(batch, q.steal_half(batch));
            l.take(batch, q.steal_half(batch));
        });
        if (task_header* t = q.pop()) l.take(t);
        q.push_back(task(1));
        while (task_header* t = q.pop()) l.take(t);
        thief.join();
        l.expect_each_once(2);
    });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
    report(r);
}

TEST(local_queue_model, the_owner_moving_half_out_races_a_thief_and_each_task_is_taken_once) {
    model::result r = model::check(opts(), [] {
        auto qp = std::make_unique<local_queue>();  // 258 model atomics: too big for a fiber's stack
        local_queue& q = *qp;
        ledger l;
        for (int i = 0; i < 4; ++i) q.push_back(task(i));
        model::thread thief([&] {
            task_header* batch[local_queue::capacity / 2];
            l.take(batch, q.steal_half(batch));
        });
        task_header* half[local_queue::capacity / 2];
        l.take(half, q.pop_half(half));  // mt_core::push_local's overflow to the injection queue
        while (task_header* t = q.pop()) l.take(t);
        thief.join();
        l.expect_each_once(4);
    });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
    report(r);
}

// mt_core::steal: a worker steals a batch and pushes all but one into its own queue, which was
// empty, while another thief steals from that queue (issue 11, defect 4: the pushes cannot fail).
TEST(local_queue_model, a_stolen_batch_moved_into_an_empty_queue_is_never_dropped) {
    model::result r = model::check(opts(), [] {
        auto vp = std::make_unique<local_queue>();
        auto mp = std::make_unique<local_queue>();
        local_queue& victim = *vp;
        local_queue& mine = *mp;
        ledger l;
        for (int i = 0; i < 4; ++i) victim.push_back(task(i));
        model::thread other([&] {
            task_header* batch[local_queue::capacity / 2];
            l.take(batch, mine.steal_half(batch));
        });
        task_header* batch[local_queue::capacity / 2];
        std::uint32_t got = victim.steal_half(batch);
        AF_MODEL_ASSERT(got == 2);
        l.take(batch[0]);  // runs now
        for (std::uint32_t k = 1; k < got; ++k) AF_MODEL_ASSERT(mine.push_back(batch[k]));
        while (task_header* t = mine.pop()) l.take(t);
        while (task_header* t = victim.pop()) l.take(t);
        other.join();
        l.expect_each_once(4);
    });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
    report(r);
}

}  // namespace
