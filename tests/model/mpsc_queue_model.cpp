// SPDX-License-Identifier: MIT
// af-model-plant: AF_MODEL_PLANT_DEFECT_1
// The mpsc block queue under the model checker, with two slots a block so that a few pushes
// cross block edges: producers racing each other and the consumer, a skipped slot (a throwing
// move) at a block edge, blocks recycled while producers may still walk them. The planted
// executable restores defect 1 (the tail never moves past a block holding a skipped slot).
#include "af/channel/detail/mpsc_block_queue.hpp"

#include <af_model/model.hpp>
#include <gtest/gtest.h>

#include <cstdio>     // execution counts in the log
#include <sstream>    // result to text
#include <stdexcept>  // the throwing move

namespace {

using af::model::thread;

struct item {
    int producer = 0, seq = 0;
    bool throw_on_move = false;
    item(int p, int s, bool t = false) : producer(p), seq(s), throw_on_move(t) {}
    item(item&& o) : producer(o.producer), seq(o.seq), throw_on_move(o.throw_on_move) {
        if (throw_on_move) throw std::runtime_error("move failed");
    }
};

using queue = af::detail::mpsc_block_queue<item, 2>;

// Two producers push `per` values each (producer 0's first move throws when `skip`); thread 0
// consumes until every slot is used up, checking each producer's order. Then, with no producer
// left, one more push must find the tail on its own block: every earlier block is finished.
void producers_and_consumer(int per, bool skip) {
    queue q;
    auto producer = [&](int p) {
        return [&, p] {
            for (int s = 0; s < per; ++s) {
                try {
                    q.push(item(p, s, skip && p == 0 && s == 0));
                } catch (const std::runtime_error&) {
                    AF_MODEL_ASSERT(skip && p == 0 && s == 0);
                }
            }
        };
    };
    thread a(producer(0));
    thread b(producer(1));
    std::size_t consumed = 0;
    int next[2] = {skip ? 1 : 0, 0};
    while (consumed < static_cast<std::size_t>(2 * per)) {
        if (std::optional<item> v = q.pop(consumed)) {
            AF_MODEL_ASSERT(v->seq == next[v->producer]);  // per-producer order, no loss
            ++next[v->producer];
        } else {
            af::model::yield();  // waits for a producer, as the receiver's park would
        }
    }
    AF_MODEL_ASSERT(next[0] == per && next[1] == per);
    a.join();
    b.join();
    const std::size_t idx = static_cast<std::size_t>(2 * per);
    q.push(item(9, 0));
    AF_MODEL_ASSERT(q.tail_start() == (idx & ~(queue::block_cap - 1)));  // defect 1: stuck
    std::optional<item> last = q.pop(consumed);
    AF_MODEL_ASSERT(last && last->producer == 9);
}

TEST(mpsc_queue_model, two_producers_cross_a_block_edge_in_order) {
    af::model::options o;
    o.preemption_bound = 1;  // the skip case below runs the same operations with bound 2
    auto r = af::model::check(o, [] { producers_and_consumer(2, false); });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
    std::printf("no skip: %s\n", (std::ostringstream() << r).str().c_str());
}

TEST(mpsc_queue_model, a_skipped_slot_at_a_block_edge_is_passed_over_and_its_block_left) {
    auto r = af::model::check({}, [] { producers_and_consumer(2, true); });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
    std::printf("skip: %s\n", (std::ostringstream() << r).str().c_str());
}

// Three blocks with recycling: the consumer frees (gives back as the spare) blocks while a
// producer may still be walking them; a recycled block re-linked too early would lose or
// reorder values, or let a push use a destroyed block.
TEST(mpsc_queue_model, blocks_are_recycled_only_after_every_walker_left) {
    af::model::options o;
    o.preemption_bound = 1;
    auto r = af::model::check(o, [] { producers_and_consumer(3, true); });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
    std::printf("recycling: %s\n", (std::ostringstream() << r).str().c_str());
}

TEST(mpsc_queue_model, Planted_defect_1_tail_stuck_behind_a_skipped_slot) {
    auto r = af::model::check({}, [] { producers_and_consumer(2, true); });
    EXPECT_TRUE(r.failed) << r;
    EXPECT_NE(r.failure.find("tail_start"), std::string::npos) << r;
    std::printf("%s\n", (std::ostringstream() << r).str().c_str());
}

}  // namespace
